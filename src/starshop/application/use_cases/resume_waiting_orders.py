from __future__ import annotations

from datetime import timedelta

import attrs

from starshop.application.ports import PLACE_ORDER, Clock, TaskQueue, UnitOfWork

QUIET = timedelta(seconds=60)  # an order still waiting this long after its top-up was credited has lost its task


@attrs.frozen(kw_only=True)
class WaitingOrdersReport:
    queued: int = 0


class ResumeWaitingOrders:
    """The sweep's part for orders waiting for a top-up: one whose top-up was credited more than ``QUIET`` ago and
    that still waits is queued again (``PLACE_ORDER``).

    Its task may have been lost (a worker that died is covered by the queue's lease, but a task that failed, say on
    a provider that did not answer, is not tried again by the queue). ``PlaceWaitingOrder`` places an order once
    however many tasks run, so a task queued beside a live one is harmless.
    """

    def __init__(self, uow: UnitOfWork, queue: TaskQueue, clock: Clock) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock

    async def __call__(self) -> WaitingOrdersReport:
        async with self._uow as uow:
            stranded = await uow.waiting_orders.funded(credited_before=self._clock.now() - QUIET, limit=100)
        for recharge_id in stranded:
            await self._queue.enqueue(PLACE_ORDER, recharge_id)
        return WaitingOrdersReport(queued=len(stranded))
