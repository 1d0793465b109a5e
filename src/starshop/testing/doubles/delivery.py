"""A star delivery a test scripts: each call takes the next scripted outcome (default: delivered)."""

from __future__ import annotations

from collections import deque
from datetime import datetime
from decimal import Decimal

from starshop.adapters.sandbox.orders import BookedOrder, OrderBook
from starshop.application.ports import (
    Delivered,
    DeliveryLookupFailed,
    DeliveryOrder,
    DeliveryOutcome,
    ProviderOrder,
    RecipientCheck,
    Refused,
    Unknown,
)
from starshop.domain import DeliveryReceipt


class ScriptedStarDelivery:
    """``script("delivered" | "refused" | "unknown" | "unknown_bought")`` queues outcomes; ``unknown_bought`` answers
    unknown but records the order (a slow success past the client's timeout)."""

    def __init__(self) -> None:
        self.outcomes: deque[str] = deque()
        self.book = OrderBook()
        self.deliver_calls: list[DeliveryOrder] = []
        self.unknown_users: set[str] = set()
        self.wallet: Decimal | None = Decimal(1000)
        self.lookup_fails = False

    def script(self, *outcomes: str) -> None:
        self.outcomes.extend(outcomes)

    async def check_recipient(self, username: str) -> RecipientCheck:
        return RecipientCheck.NOT_FOUND if username.lower() in self.unknown_users else RecipientCheck.FOUND

    async def deliver(self, order: DeliveryOrder) -> DeliveryOutcome:
        self.deliver_calls.append(order)
        outcome = self.outcomes.popleft() if self.outcomes else "delivered"
        if outcome == "refused":
            return Refused(reason="scripted refusal")
        receipt = DeliveryReceipt(ref_id=f"Ref#{order.purchase_id}", tx_hash="0" * 64, cost="0.5")
        if outcome == "unknown":
            return Unknown(reason="scripted timeout")
        self.book.record(order, receipt)
        if outcome == "unknown_bought":
            return Unknown(reason="scripted timeout after purchase")
        return Delivered(receipt=receipt)

    async def find_order(
        self, order: DeliveryOrder, *, until: datetime, exclude_refs: frozenset[str] = frozenset()
    ) -> DeliveryReceipt | None:
        if self.lookup_fails:
            msg = "scripted lookup failure"
            raise DeliveryLookupFailed(msg)
        return self.book.find(order, until, exclude_refs)

    async def order_history(self, *, since: datetime, until: datetime) -> list[ProviderOrder]:
        if self.lookup_fails:
            msg = "scripted lookup failure"
            raise DeliveryLookupFailed(msg)
        return self.book.history(since, until)

    async def wallet_balance(self) -> Decimal | None:
        return self.wallet

    @property
    def orders(self) -> list[BookedOrder]:
        return self.book.orders
