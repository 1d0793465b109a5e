"""The worker's runtime pieces: the relay, the task runner and the sweeper, each an async context manager that
runs from enter to exit (see ``runtime``); ``worker_pieces`` gives all three.

- relay: committed events go to the task queue, the notifier and real-time subscribers (``RelayOutbox``);
- task runner: ``deliver_purchase`` runs ``DeliverPurchase`` for the id it carries (the database claim stops
  doubles);
- sweeper: ``ReconcilePurchases`` and ``ExpireStaleInvoices`` drive anything left half-way to an end.
Each step runs in its own request scope; a failing step is logged and tried again on the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TypeVar

from dishka import AsyncContainer

from starshop.application.ports import DELIVER_PURCHASE, TaskRunner
from starshop.application.use_cases.deliver_purchase import DeliverPurchase
from starshop.application.use_cases.expire_stale_invoices import ExpireStaleInvoices
from starshop.application.use_cases.reconcile_purchases import ReconcilePurchases
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.entrypoints.runtime import Piece, in_background
from starshop.entrypoints.settings import WorkerSettings

log = logging.getLogger("starshop.worker")
T = TypeVar("T")
R = TypeVar("R")
RELAY_GATHER = 0.02  # seconds between batches that were not full

Step = Callable[[AsyncContainer], Awaitable[bool]]
"""One round of a loop; true when there may be more to do at once."""


def worker_pieces(container: AsyncContainer, settings: WorkerSettings) -> list[Piece]:
    """Everything ``starshop worker`` runs: the relay, the task runner and the sweeper."""
    return [
        every("relay", settings.relay_every, relay, container),
        task_runner(container),
        every("sweeper", settings.sweep_every, sweep, container),
    ]


def every(name: str, interval: float, step: Step, container: AsyncContainer) -> Piece:
    """``step`` again and again until exit: at once after a busy round, else after ``interval`` seconds."""

    def piece() -> AbstractAsyncContextManager[None]:
        stopping = asyncio.Event()

        async def loop() -> None:
            while not stopping.is_set():
                busy = False
                try:
                    busy = await step(container)
                except Exception:
                    log.exception("worker step %s failed; trying again next tick", name)
                if not busy:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stopping.wait(), timeout=interval)

        return in_background(name, loop, stopping.set)

    return piece


def task_runner(container: AsyncContainer) -> Piece:
    """The task queue's consumer: the task in hand is finished before exit."""

    def piece() -> AbstractAsyncContextManager[None]:
        stopped = False
        runner: TaskRunner | None = None

        async def run() -> None:
            nonlocal runner
            runner = found = await container.get(TaskRunner)
            if not stopped:
                await found.run({DELIVER_PURCHASE: lambda tx_id: deliver(container, tx_id)})

        def stop() -> None:
            nonlocal stopped
            stopped = True
            if runner is not None:
                runner.stop()

        return in_background("task runner", run, stop)

    return piece


async def deliver(container: AsyncContainer, tx_id: str) -> None:
    claim = await _call(container, DeliverPurchase, lambda use_case: use_case(tx_id))
    log.info("delivery task for %s: %s", tx_id, claim.value)


async def relay(container: AsyncContainer) -> bool:
    """Relay one batch; true when there may be more.

    After a batch that was not full the relay pauses for ``RELAY_GATHER`` seconds before the next, so that under load
    each batch carries the events of many commits (two database transactions per batch, not per event) for a delay
    nobody notices; an idle outbox waits the relay interval.
    """
    report = await _call(container, RelayOutbox, lambda use_case: use_case())
    if report.claimed and not report.full:
        await asyncio.sleep(RELAY_GATHER)
    return report.claimed > 0


async def sweep(container: AsyncContainer) -> bool:
    purchases = await _call(container, ReconcilePurchases, lambda use_case: use_case())
    invoices = await _call(container, ExpireStaleInvoices, lambda use_case: use_case())
    log.info("sweep: purchases %s; invoices %s", purchases, invoices)
    return False


async def _call(container: AsyncContainer, kind: type[T], run: Callable[[T], Awaitable[R]]) -> R:
    async with container() as scope:
        return await run(await scope.get(kind))
