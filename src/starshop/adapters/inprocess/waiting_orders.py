"""Orders waiting for a top-up, in memory (the store's lock already serialises units of work)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from starshop.application.errors import DuplicateTransaction
from starshop.domain import OrderState, Transaction, TxStatus, WaitingOrder


class InMemoryWaitingOrders:
    def __init__(self, orders: dict[str, WaitingOrder], transactions: Mapping[str, Transaction]) -> None:
        self._orders = orders
        self._transactions = transactions

    async def add(self, order: WaitingOrder) -> None:
        if order.recharge_id in self._orders:
            msg = f"recharge {order.recharge_id} already has a waiting order"
            raise DuplicateTransaction(msg)
        self._orders[order.recharge_id] = order

    async def get(self, recharge_id: str, *, lock: bool = False) -> WaitingOrder | None:
        return self._orders.get(recharge_id)

    async def update(self, order: WaitingOrder) -> None:
        self._orders[order.recharge_id] = order

    async def funded(self, *, quiet_since: datetime, limit: int) -> list[str]:
        due = [
            order
            for order in self._orders.values()
            if order.state is OrderState.WAITING
            and order.updated_at < quiet_since
            and (tx := self._transactions.get(order.recharge_id)) is not None
            and tx.status is TxStatus.COMPLETED
            and tx.updated_at < quiet_since
        ]
        return [o.recharge_id for o in sorted(due, key=lambda o: (o.updated_at, o.recharge_id))[:limit]]
