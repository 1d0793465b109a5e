from __future__ import annotations

from datetime import timedelta

import attrs

from starshop.application.config import ShopConfig
from starshop.application.ports import PLACE_ORDER, Clock, TaskQueue, UnitOfWork
from starshop.application.use_cases._shared import drop_waiting_order
from starshop.domain import DropReason, OrderState

QUIET = timedelta(seconds=60)  # an order still waiting this long after its credit, or its last try, lost its task
GIVE_UP = timedelta(hours=1)  # past its top-up's whole life, an order is not placed later than this


@attrs.frozen(kw_only=True)
class WaitingOrdersReport:
    queued: int = 0
    dropped: int = 0


class ResumeWaitingOrders:
    """The sweep's part for orders waiting for a top-up whose top-up is credited but which still wait: their placing
    task was lost (the queue does not try a failed task again).

    - One quiet for ``QUIET`` (since its credit and since its last try) is queued again (``PLACE_ORDER``) and marked
      tried, so it is tried about once a minute, the oldest first, never starving the others.
    - One older than its top-up's whole life (the invoice's lifetime and grace) and ``GIVE_UP`` more is dropped
      (``too_late``) and its user told: nobody's money is spent on an order they confirmed long ago. The top-up
      stays on the balance.
    - ``PlaceWaitingOrder`` places an order once however many tasks run, so a task beside a live one is harmless.
    """

    def __init__(self, uow: UnitOfWork, queue: TaskQueue, clock: Clock, config: ShopConfig) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock
        self._oldest = config.invoice_lifetime + config.invoice_expiry_grace + GIVE_UP

    async def __call__(self) -> WaitingOrdersReport:
        now = self._clock.now()
        queued: list[str] = []
        dropped = 0
        async with self._uow as uow:
            for recharge_id in await uow.waiting_orders.funded(quiet_since=now - QUIET, limit=100):
                order = await uow.waiting_orders.get(recharge_id, lock=True)
                if order is None or order.state is not OrderState.WAITING:
                    continue  # placed or dropped meanwhile
                if order.created_at < now - self._oldest:
                    await drop_waiting_order(uow, order, DropReason.TOO_LATE, now, price=order.price)
                    dropped += 1
                else:
                    await uow.waiting_orders.update(order.retried(now))
                    queued.append(recharge_id)
            await uow.commit()
        for recharge_id in queued:  # after the commit: a task lost here is queued again on a later sweep
            await self._queue.enqueue(PLACE_ORDER, recharge_id)
        return WaitingOrdersReport(queued=len(queued), dropped=dropped)
