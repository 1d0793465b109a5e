"""The background worker: relays the outbox, runs delivery tasks, and sweeps on a timer.

- relay: committed events go to the task queue, the notifier and real-time subscribers (``RelayOutbox``);
- tasks: ``deliver_purchase`` runs ``DeliverPurchase`` for the id it carries (the database claim stops doubles);
- sweeps: ``ReconcilePurchases`` and ``ExpireStaleInvoices`` drive anything left half-way to an end.
Each step runs in its own request scope; a failing step is logged and tried again on the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, TypeVar

from dishka import AsyncContainer

from starshop.application.ports import DELIVER_PURCHASE
from starshop.application.use_cases.deliver_purchase import DeliverPurchase
from starshop.application.use_cases.expire_stale_invoices import ExpireStaleInvoices
from starshop.application.use_cases.reconcile_purchases import ReconcilePurchases
from starshop.application.use_cases.relay_outbox import RelayOutbox

log = logging.getLogger("starshop.worker")
T = TypeVar("T")
R = TypeVar("R")
RELAY_GATHER = 0.02  # seconds between batches that were not full


class TaskRunner(Protocol):
    """The consuming side of a task queue (the in-process and Redis queues both have it)."""

    async def run(self, handlers: Mapping[str, Callable[[str], Awaitable[None]]]) -> None: ...

    def stop(self) -> None: ...


class Worker:
    def __init__(self, container: AsyncContainer, *, relay_every: float = 1.0, sweep_every: float = 30.0) -> None:
        self._container = container
        self._relay_every = relay_every
        self._sweep_every = sweep_every
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Until ``stop()``: the task in hand is finished, then every loop ends."""
        runner = await self._container.get(TaskRunner)
        log.info("worker started")
        tasks = [
            asyncio.create_task(runner.run({DELIVER_PURCHASE: self.deliver})),
            asyncio.create_task(self._every(self._relay_every, self.relay)),
            asyncio.create_task(self._every(self._sweep_every, self.sweep)),
        ]
        try:
            await self._stopping.wait()
        finally:
            runner.stop()
            await asyncio.gather(*tasks, return_exceptions=True)
            log.info("worker stopped")

    def stop(self) -> None:
        self._stopping.set()

    async def deliver(self, tx_id: str) -> None:
        claim = await self._call(DeliverPurchase, lambda use_case: use_case(tx_id))
        log.info("delivery task for %s: %s", tx_id, claim.value)

    async def relay(self) -> bool:
        """Relay one batch; true when there may be more.

        After a batch that was not full the relay pauses for ``RELAY_GATHER`` seconds before the next, so that under
        load each batch carries the events of many commits (two database transactions per batch, not per event)
        for a delay nobody notices; an idle outbox waits the relay interval.
        """
        report = await self._call(RelayOutbox, lambda use_case: use_case())
        if report.claimed and not report.full:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=RELAY_GATHER)
        return report.claimed > 0

    async def sweep(self) -> bool:
        purchases = await self._call(ReconcilePurchases, lambda use_case: use_case())
        invoices = await self._call(ExpireStaleInvoices, lambda use_case: use_case())
        log.info("sweep: purchases %s; invoices %s", purchases, invoices)
        return False

    async def _call(self, kind: type[T], run: Callable[[T], Awaitable[R]]) -> R:
        async with self._container() as scope:
            return await run(await scope.get(kind))

    async def _every(self, interval: float, step: Callable[[], Awaitable[bool]]) -> None:
        while not self._stopping.is_set():
            busy = False
            try:
                busy = await step()
            except Exception:
                log.exception("worker step %s failed; trying again next tick", step.__name__)
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=interval)
