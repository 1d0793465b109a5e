"""Orders waiting for a top-up; the recharge's id is the primary key, so a recharge has one at most."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution, is_unique_violation
from starshop.adapters.sqla.rows import waiting_order_from_row, waiting_order_to_row
from starshop.application.errors import DuplicateTransaction
from starshop.domain import WaitingOrder


class SqlaWaitingOrderRepository:
    def __init__(self, x: Execution) -> None:
        self._x = x

    async def add(self, order: WaitingOrder) -> None:
        try:
            async with self._x.savepoint():
                await self._x.run(q.INSERT_WAITING_ORDER, waiting_order_to_row(order))
        except IntegrityError as exc:
            if is_unique_violation(exc):
                msg = f"recharge {order.recharge_id} already has a waiting order"
                raise DuplicateTransaction(msg) from exc
            raise

    async def get(self, recharge_id: str, *, lock: bool = False) -> WaitingOrder | None:
        row = await self._x.first(q.WAITING_ORDER[lock], {"recharge_id": recharge_id})
        return waiting_order_from_row(row) if row else None

    async def update(self, order: WaitingOrder) -> None:
        values = waiting_order_to_row(order)
        values["w_recharge_id"] = values.pop("recharge_id")
        if await self._x.run(q.UPDATE_WAITING_ORDER, values) == 0:
            msg = f"no waiting order for recharge {order.recharge_id} to update"
            raise KeyError(msg)

    async def funded(self, *, quiet_since: datetime, limit: int) -> list[str]:
        rows = await self._x.rows(q.FUNDED_WAITING_ORDERS, {"before": quiet_since, "limit": limit})
        return [str(row["recharge_id"]) for row in rows]
