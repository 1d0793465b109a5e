"""Star (and Telegram Premium) delivery in the sandbox: the recipient's name says what happens.

- ``ghost...``  : no such user (refused before any money moves)
- ``refuse...`` : the provider refuses (the hold is released)
- ``slow...``   : the call times out but the stars were bought (reconciled as delivered)
- ``lost...``   : the call times out and nothing was bought (stays unknown, then goes to an operator)
- anyone else   : delivered at once
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from starshop.adapters.sandbox.orders import OrderBook
from starshop.application.ports import (
    Delivered,
    DeliveryOrder,
    DeliveryOutcome,
    ProviderOrder,
    RecipientCheck,
    Refused,
    Unknown,
)
from starshop.domain import DeliveryReceipt


@attrs.define
class SandboxStarDelivery:
    wallet: Decimal = Decimal(1_000_000)
    book: OrderBook = attrs.field(factory=OrderBook)

    async def check_recipient(self, username: str) -> RecipientCheck:
        return RecipientCheck.NOT_FOUND if username.lower().startswith("ghost") else RecipientCheck.FOUND

    async def deliver(self, order: DeliveryOrder) -> DeliveryOutcome:
        name = order.recipient.lower()
        if name.startswith("refuse"):
            return Refused(reason="sandbox: the provider refused this recipient")
        if name.startswith("lost"):
            return Unknown(reason="sandbox: timed out, nothing bought")
        receipt = DeliveryReceipt(
            ref_id=f"Ref#sandbox-{order.purchase_id}",
            tx_hash=order.purchase_id.ljust(64, "0")[:64],
            cost=str(_cost(order).quantize(Decimal("0.000000001"))),
        )
        self.book.record(order, receipt)
        if name.startswith("slow"):
            return Unknown(reason="sandbox: timed out after buying")
        return Delivered(receipt=receipt)

    async def find_order(
        self, order: DeliveryOrder, *, until: datetime, exclude_refs: frozenset[str] = frozenset()
    ) -> DeliveryReceipt | None:
        return self.book.find(order, until, exclude_refs)

    async def order_history(self, *, since: datetime, until: datetime) -> list[ProviderOrder]:
        """The orders this process made (the sandbox keeps no history elsewhere)."""
        return self.book.history(since, until)

    async def wallet_balance(self) -> Decimal | None:
        return self.wallet


def _cost(order: DeliveryOrder) -> Decimal:
    """TON: about 0.0035 a star, about 1.3 a month of Premium."""
    if order.stars is None:
        return Decimal(order.months or 0) * Decimal("1.3")
    return Decimal(order.stars) * Decimal("0.0035")
