"""Orders waiting for a top-up, in memory (the store's lock already serialises units of work)."""

from __future__ import annotations

from starshop.application.errors import DuplicateTransaction
from starshop.domain import WaitingOrder


class InMemoryWaitingOrders:
    def __init__(self, orders: dict[str, WaitingOrder]) -> None:
        self._orders = orders

    async def add(self, order: WaitingOrder) -> None:
        if order.recharge_id in self._orders:
            msg = f"recharge {order.recharge_id} already has a waiting order"
            raise DuplicateTransaction(msg)
        self._orders[order.recharge_id] = order

    async def get(self, recharge_id: str, *, lock: bool = False) -> WaitingOrder | None:
        return self._orders.get(recharge_id)

    async def update(self, order: WaitingOrder) -> None:
        self._orders[order.recharge_id] = order
