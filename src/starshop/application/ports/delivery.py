"""The star delivery port: provider-neutral, three outcomes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

import attrs

from starshop.domain import DeliveryReceipt, Product, Transaction


@attrs.frozen(kw_only=True)
class DeliveryOrder:
    """``stars`` for ``recipient``, or (product ``premium``) ``months`` of Telegram Premium given to them.
    ``purchase_id`` is the idempotency key for providers that accept one."""

    purchase_id: str
    recipient: str
    stars: int | None
    started_at: datetime
    product: Product = Product.STARS
    months: int | None = None

    @classmethod
    def of(cls, purchase: Transaction, *, started_at: datetime) -> DeliveryOrder:
        """The order of ``purchase``'s delivery attempt begun at ``started_at`` (only a purchase has one)."""
        item = purchase.purchase_details
        return cls(
            purchase_id=purchase.id,
            recipient=item.recipient,
            stars=item.stars,
            started_at=started_at,
            product=item.product,
            months=item.months,
        )

    def same_item(self, stars: int | None, months: int | None) -> bool:
        """An order of ``stars`` (or ``months`` of Premium) buys what this order buys."""
        return (stars, months) == (self.stars, self.months)


@attrs.frozen(kw_only=True)
class Delivered:
    receipt: DeliveryReceipt


@attrs.frozen(kw_only=True)
class Refused:
    """The provider refused before anything was bought."""

    reason: str


@attrs.frozen(kw_only=True)
class Unknown:
    """Timeout, dropped connection, 5xx: the stars may or may not have been bought."""

    reason: str


DeliveryOutcome = Delivered | Refused | Unknown


@attrs.frozen(kw_only=True)
class ProviderOrder:
    """One completed order in the provider's history: ``stars``, or ``months`` of Telegram Premium."""

    recipient: str
    stars: int | None
    created_at: datetime
    receipt: DeliveryReceipt
    months: int | None = None


class RecipientCheck(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    UNCHECKED = "unchecked"  # the provider cannot check, or could not answer now


class StarDelivery(Protocol):
    async def check_recipient(self, username: str) -> RecipientCheck: ...

    async def deliver(self, order: DeliveryOrder) -> DeliveryOutcome:
        """Never raises for a provider failure: it is reported as ``Refused`` or ``Unknown``."""
        ...

    async def find_order(
        self, order: DeliveryOrder, *, until: datetime, exclude_refs: frozenset[str] = frozenset()
    ) -> DeliveryReceipt | None:
        """Look for a completed order of ``stars`` (or ``months`` of Premium) to ``recipient`` made between
        ``started_at`` and ``until``.

        Orders whose ``ref_id`` is in ``exclude_refs`` (already recorded on other purchases) never match.

        Raises ``DeliveryLookupFailed`` when the provider cannot be asked now.
        """
        ...

    async def order_history(self, *, since: datetime, until: datetime) -> list[ProviderOrder]:
        """Every completed order the provider made between ``since`` and ``until`` (both included), newest first.

        Raises ``DeliveryLookupFailed`` when the whole history of the window cannot be read now.
        """
        ...

    async def wallet_balance(self) -> Decimal | None:
        """The provider wallet's balance (TON), or ``None`` when it cannot be read."""
        ...


class DeliveryLookupFailed(Exception):
    pass
