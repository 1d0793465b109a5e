"""The orders a local delivery made, kept in this process: what a provider's lookup and order history answer."""

from __future__ import annotations

from datetime import datetime

import attrs

from starshop.application.ports import DeliveryOrder, ProviderOrder
from starshop.domain import DeliveryReceipt


@attrs.frozen
class BookedOrder:
    recipient: str
    stars: int | None
    at: datetime
    receipt: DeliveryReceipt
    months: int | None = None  # Telegram Premium


@attrs.define
class OrderBook:
    """The orders made, and the lookup the reconciler asks of a real provider."""

    orders: list[BookedOrder] = attrs.Factory(list)

    def record(self, order: DeliveryOrder, receipt: DeliveryReceipt) -> None:
        self.orders.append(BookedOrder(order.recipient.lower(), order.stars, order.started_at, receipt, order.months))

    def find(self, order: DeliveryOrder, until: datetime, exclude_refs: frozenset[str]) -> DeliveryReceipt | None:
        for found in self.orders:
            if (
                found.recipient == order.recipient.lower()
                and order.same_item(found.stars, found.months)
                and order.started_at <= found.at <= until
                and found.receipt.ref_id not in exclude_refs
            ):
                return found.receipt
        return None

    def history(self, since: datetime, until: datetime) -> list[ProviderOrder]:
        made = [
            ProviderOrder(recipient=o.recipient, stars=o.stars, months=o.months, created_at=o.at, receipt=o.receipt)
            for o in self.orders
            if since <= o.at <= until
        ]
        return sorted(made, key=lambda o: o.created_at, reverse=True)
