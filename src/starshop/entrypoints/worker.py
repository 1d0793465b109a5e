"""The worker's runtime pieces: the relay, the task runner and the sweeper, each an async context manager that
runs from enter to exit (see ``runtime``); ``worker_pieces`` gives all three.

- relay: committed events go to the task queue, the notifier and real-time subscribers (``RelayOutbox``);
- task runner: ``deliver_purchase`` runs ``DeliverPurchase`` for the id it carries (the database claim stops
  doubles); ``place_order`` runs ``PlaceWaitingOrder`` for the credited top-up it carries (its idempotency key
  stops doubles); ``send_broadcast`` sends a slice of a broadcast with ``SendBroadcast`` (which queues the rest);
- sweeper: ``ReconcilePurchases`` and ``ExpireStaleInvoices`` drive anything left half-way to an end;
  ``ResumeBroadcasts`` queues again a broadcast whose worker stopped, ``ResumeWaitingOrders`` an order whose top-up
  was credited but whose placing task was lost; then ``WatchOperations`` raises the alerts no
  event carries (wallet near its floor, a breaker open, a message set aside).
Each step runs in its own request scope; a failing step is logged and tried again on the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TypeVar

import attrs
from dishka import AsyncContainer

from starshop.application.ports import DELIVER_PURCHASE, PLACE_ORDER, SEND_BROADCAST, TaskRunner
from starshop.application.use_cases.deliver_purchase import DeliverPurchase
from starshop.application.use_cases.expire_stale_invoices import ExpireStaleInvoices
from starshop.application.use_cases.place_waiting_order import PlaceWaitingOrder
from starshop.application.use_cases.reconcile_purchases import ReconcilePurchases
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.application.use_cases.resume_broadcasts import ResumeBroadcasts
from starshop.application.use_cases.resume_waiting_orders import ResumeWaitingOrders
from starshop.application.use_cases.send_broadcast import SendBroadcast
from starshop.application.use_cases.watch_operations import WatchOperations
from starshop.entrypoints.ioc.probes import OutboxBacklog, QueueDepth
from starshop.entrypoints.observability import Metrics
from starshop.entrypoints.runtime import Piece, in_background
from starshop.entrypoints.settings import WorkerSettings

log = logging.getLogger("starshop.worker")
T = TypeVar("T")
R = TypeVar("R")
RELAY_GATHER = 0.02  # seconds between batches that were not full

Step = Callable[[AsyncContainer], Awaitable[bool]]
"""One round of a loop; true when there may be more to do at once."""


def worker_pieces(container: AsyncContainer, settings: WorkerSettings) -> list[Piece]:
    """Everything ``starshop worker`` runs: the relay, the task runner and the sweeper (and, when they have
    stopped, a log line saying what they leave behind)."""
    return [
        lambda: leftovers(container),
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
        in_hand: set[str] = set()

        def tracked(work: Callable[[AsyncContainer, str], Awaitable[None]]) -> Callable[[str], Awaitable[None]]:
            async def handle(task_id: str) -> None:
                in_hand.add(task_id)
                try:
                    await work(container, task_id)
                finally:
                    in_hand.discard(task_id)

            return handle

        async def run() -> None:
            nonlocal runner
            runner = found = await container.get(TaskRunner)
            if not stopped:
                await found.run(
                    {
                        DELIVER_PURCHASE: tracked(deliver),
                        SEND_BROADCAST: tracked(broadcast),
                        PLACE_ORDER: tracked(place_order),
                    }
                )

        def stop() -> None:
            nonlocal stopped
            stopped = True
            if in_hand:
                log.info(
                    "task runner stopping: finishing %d task(s) in hand first",
                    len(in_hand),
                    extra={"tasks_in_hand": len(in_hand), "tx_ids": ",".join(sorted(in_hand))},
                )
            if runner is not None:
                runner.stop()

        return in_background("task runner", run, stop)

    return piece


@asynccontextmanager
async def leftovers(container: AsyncContainer) -> AsyncIterator[None]:
    """Nothing on enter; once the worker's loops have stopped, what they leave for the next worker: messages still
    in the outbox and tasks still queued (nothing is lost: the next relay, runner or sweep takes them)."""
    try:
        yield
    finally:
        try:
            pending, oldest, quarantined = await (await container.get(OutboxBacklog)).measure()
            queued = await (await container.get(QueueDepth)).measure()
        except Exception as exc:
            log.warning("worker stopped; what it leaves could not be read: %s", type(exc).__name__)
        else:
            fields = {"outbox_pending": pending, "outbox_oldest_seconds": round(oldest, 1), "tasks_queued": queued}
            fields["outbox_quarantined"] = quarantined
            log.info(
                "worker stopped, leaving %d outbox message(s) (oldest %.1f s) and %d queued task(s)",
                pending,
                oldest,
                queued,
                extra=fields,
            )


async def deliver(container: AsyncContainer, tx_id: str) -> None:
    metrics = await container.get(Metrics)
    started = time.perf_counter()
    claim = await _call(container, DeliverPurchase, lambda use_case: use_case(tx_id))
    metrics.delivery_tasks.labels(claim.value).observe(time.perf_counter() - started)
    log.info("delivery task for %s: %s", tx_id, claim.value, extra={"tx_id": tx_id, "outcome": claim.value})


async def broadcast(container: AsyncContainer, broadcast_id: str) -> None:
    report = await _call(container, SendBroadcast, lambda use_case: use_case(broadcast_id))
    fields = {"broadcast_id": broadcast_id, **attrs.asdict(report)}
    log.info(
        "broadcast %s: sent=%d failed=%d blocked=%d%s",
        broadcast_id,
        report.sent,
        report.failed,
        report.blocked,
        " (finished)" if report.finished else "",
        extra=fields,
    )


async def place_order(container: AsyncContainer, recharge_id: str) -> None:
    state = await _call(container, PlaceWaitingOrder, lambda use_case: use_case(recharge_id))
    outcome = state.value if state is not None else "none"
    log.info("order waiting for %s: %s", recharge_id, outcome, extra={"tx_id": recharge_id, "outcome": outcome})


async def relay(container: AsyncContainer) -> bool:
    """Relay one batch; true when there may be more.

    After a batch that was not full the relay pauses for ``RELAY_GATHER`` seconds before the next, so that under load
    each batch carries the events of many commits (two database transactions per batch, not per event) for a delay
    nobody notices; an idle outbox waits the relay interval.
    """
    report = await _call(container, RelayOutbox, lambda use_case: use_case())
    if report.delivered or report.failed:
        metrics = await container.get(Metrics)
        metrics.relayed.labels("delivered").inc(report.delivered)
        metrics.relayed.labels("failed").inc(report.failed)
    if report.claimed and not report.full:
        await asyncio.sleep(RELAY_GATHER)
    return report.claimed > 0


async def sweep(container: AsyncContainer) -> bool:
    purchases = await _call(container, ReconcilePurchases, lambda use_case: use_case())
    invoices = await _call(container, ExpireStaleInvoices, lambda use_case: use_case())
    broadcasts = await _call(container, ResumeBroadcasts, lambda use_case: use_case())
    orders = await _call(container, ResumeWaitingOrders, lambda use_case: use_case())
    alerts = await _call(container, WatchOperations, lambda use_case: use_case())
    counts = {
        "purchases": attrs.asdict(purchases),
        "invoices": attrs.asdict(invoices),
        "broadcasts": attrs.asdict(broadcasts),
        "orders": attrs.asdict(orders),
        "alerts": attrs.asdict(alerts),
    }
    fields = {f"{kind}_{name}": n for kind, found in counts.items() for name, n in found.items()}
    words = {kind: " ".join(f"{name}={n}" for name, n in found.items()) for kind, found in counts.items()}
    level = logging.INFO if any(fields.values()) else logging.DEBUG  # an idle sweep says nothing at INFO
    log.log(
        level,
        "sweep: purchases %s; invoices %s; broadcasts %s; orders %s; alerts %s",
        words["purchases"],
        words["invoices"],
        words["broadcasts"],
        words["orders"],
        words["alerts"],
        extra=fields,
    )
    return False


async def _call(container: AsyncContainer, kind: type[T], run: Callable[[T], Awaitable[R]]) -> R:
    async with container() as scope:
        return await run(await scope.get(kind))
