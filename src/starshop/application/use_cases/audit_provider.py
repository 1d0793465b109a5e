from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import attrs

from starshop.application.config import ShopConfig
from starshop.application.ports import Clock, LedgerReader, ProviderOrder, StarDelivery
from starshop.domain import Transaction, TxStatus

# An order may carry a time a little before its attempt's (the provider's clock is not ours).
CLOCK_MARGIN = timedelta(minutes=5)


@attrs.frozen(kw_only=True)
class ProviderMismatch:
    problem: str
    ref_id: str | None = None
    tx_id: str | None = None


@attrs.frozen(kw_only=True)
class ProviderAuditReport:
    since: datetime
    until: datetime
    orders_checked: int
    purchases_checked: int
    mismatches: tuple[ProviderMismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches


class AuditProvider:
    """Check invariant 7 for deliveries over a window: the ledger agrees with the provider's order history.

    - Every provider order made in the window belongs to exactly one purchase, that purchase is completed, and it
      is for the same stars and recipient.
    - Every purchase completed whose attempt started in the window records an order the provider's history shows.
    - The window ends the lookup delay before now: anything younger may still be settling. Orders are read up to
      now, so a purchase near the end of the window still finds its order.
    - Raises ``DeliveryLookupFailed`` when the provider's history cannot be read: no verdict is better than a
      wrong one.
    """

    def __init__(self, ledger: LedgerReader, delivery: StarDelivery, clock: Clock, config: ShopConfig) -> None:
        self._ledger = ledger
        self._delivery = delivery
        self._clock = clock
        self._config = config

    async def __call__(self, since: datetime) -> ProviderAuditReport:
        now = self._clock.now()
        until = now - self._config.lookup_after
        orders = await self._delivery.order_history(since=since - CLOCK_MARGIN, until=now)
        purchases = await self._ledger.purchases_to_audit(
            started_since=since, refs={order.receipt.ref_id for order in orders}
        )
        owners: defaultdict[str, list[Transaction]] = defaultdict(list)
        for tx in purchases:
            if tx.receipt is not None:
                owners[tx.receipt.ref_id].append(tx)
        in_window = [order for order in orders if since <= order.created_at <= until]
        completed = [
            tx
            for tx in purchases
            if tx.status is TxStatus.COMPLETED
            and tx.attempt_started_at is not None
            and since <= tx.attempt_started_at <= until
        ]
        shown = {order.receipt.ref_id for order in orders}
        mismatches = [m for order in in_window if (m := _order_problem(order, owners[order.receipt.ref_id]))]
        mismatches += [m for tx in completed if (m := _purchase_problem(tx, shown))]
        return ProviderAuditReport(
            since=since,
            until=until,
            orders_checked=len(in_window),
            purchases_checked=len(completed),
            mismatches=tuple(mismatches),
        )


def _order_problem(order: ProviderOrder, owners: list[Transaction]) -> ProviderMismatch | None:
    ref = order.receipt.ref_id
    bought = f"{order.months} months of Premium" if order.months is not None else f"{order.stars} stars"
    what = f"order {ref} ({bought} to @{order.recipient} at {order.created_at.isoformat()})"
    if not owners:
        return ProviderMismatch(ref_id=ref, problem=f"{what} belongs to no purchase")
    if len(owners) > 1:
        ids = ", ".join(sorted(tx.id for tx in owners))
        return ProviderMismatch(ref_id=ref, problem=f"{what} is recorded on {len(owners)} purchases: {ids}")
    [tx] = owners
    if tx.status is not TxStatus.COMPLETED:
        return ProviderMismatch(ref_id=ref, tx_id=tx.id, problem=f"{what} belongs to purchase {tx.id}, {tx.status}")
    item = tx.purchase_details
    same_item = (item.stars, item.months) == (order.stars, order.months)
    if not same_item or item.recipient.lower() != order.recipient.lstrip("@").lower():
        return ProviderMismatch(
            ref_id=ref,
            tx_id=tx.id,
            problem=f"{what} is recorded on purchase {tx.id} of {item.label} to @{item.recipient}",
        )
    return None


def _purchase_problem(tx: Transaction, shown: set[str]) -> ProviderMismatch | None:
    if tx.receipt is None:
        return ProviderMismatch(tx_id=tx.id, problem=f"completed purchase {tx.id} records no provider order")
    if tx.receipt.ref_id not in shown:
        return ProviderMismatch(
            ref_id=tx.receipt.ref_id,
            tx_id=tx.id,
            problem=f"completed purchase {tx.id} records order {tx.receipt.ref_id}, which the provider does not show",
        )
    return None
