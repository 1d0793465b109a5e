from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from starshop.application.config import ShopConfig
from starshop.application.errors import (
    AlreadySettled,
    NotSettleable,
    ProviderHasNoOrder,
    ProviderHasOrder,
    ProviderLookupFailed,
)
from starshop.application.ports import (
    Clock,
    Delivered,
    DeliveryLookupFailed,
    DeliveryOrder,
    DeliveryOutcome,
    Refused,
    StarDelivery,
    UnitOfWork,
)
from starshop.application.use_cases._shared import RECEIPT_HORIZON, stored
from starshop.application.use_cases.record_delivery import DeliveryResult, RecordDelivery, Recorded
from starshop.domain import DeliveryReceipt, Transaction


class Verdict(StrEnum):
    DELIVERED = "delivered"
    REFUSED = "refused"


@attrs.frozen(kw_only=True)
class OperatorVerdict:
    tx_id: str
    verdict: Verdict
    reason: str
    ref_id: str | None = None


class ResolvePurchase:
    """An operator settles a purchase whose delivery outcome is unknown; the saga's rules bind them too.

    - Only a purchase whose outcome is unknown, and whose attempt is older than the lookup delay, may be settled:
      an ended purchase, one still queued, or one whose provider call may still be running is refused.
    - Every verdict is checked against the provider's order history first; if it cannot be read, nothing changes.
    - ``refused`` (the hold is released) only when the provider has no order for the purchase.
    - ``delivered`` (the price is captured) only with the provider's order, and the ``ref_id`` given must be it; an
      order already recorded on another purchase never counts.
    """

    def __init__(
        self, uow: UnitOfWork, delivery: StarDelivery, clock: Clock, record: RecordDelivery, config: ShopConfig
    ) -> None:
        self._uow = uow
        self._delivery = delivery
        self._clock = clock
        self._record = record
        self._config = config

    async def __call__(self, verdict: OperatorVerdict) -> Transaction:
        now = self._clock.now()
        async with self._uow as uow:
            tx = await self._settleable(uow, verdict.tx_id, now)
            order = DeliveryOrder.of(tx, started_at=tx.attempt_started)
            taken = await uow.transactions.receipts_for(
                order.recipient, order.stars, since=order.started_at - RECEIPT_HORIZON, months=order.months
            )
        try:
            found = await self._delivery.find_order(order, until=now, exclude_refs=taken)
        except DeliveryLookupFailed as exc:
            msg = f"the provider's order history cannot be read now ({exc}): nothing changed, try again later"
            raise ProviderLookupFailed(msg) from exc
        outcome = _checked(verdict, found)
        recorded = await self._record(DeliveryResult(tx_id=tx.id, outcome=outcome, from_lookup=True))
        if recorded not in (Recorded.COMPLETED, Recorded.FAILED):
            msg = f"purchase {tx.id} was settled meanwhile ({recorded}): the verdict was not applied"
            raise AlreadySettled(msg)
        async with self._uow as uow:
            return await stored(uow, tx.id)

    async def _settleable(self, uow: UnitOfWork, tx_id: str, now: datetime) -> Transaction:
        tx = await stored(uow, tx_id)
        refusal = tx.settle_refusal(now=now, lookup_after=self._config.lookup_after)
        if refusal is not None:
            raise (AlreadySettled if tx.status.is_terminal else NotSettleable)(refusal)
        return tx


def _checked(verdict: OperatorVerdict, found: DeliveryReceipt | None) -> DeliveryOutcome:
    if verdict.verdict is Verdict.REFUSED:
        if found is not None:
            msg = (
                f"the provider has order {found.ref_id} for this purchase: the stars were bought, so it cannot be"
                f" refunded (settle it as delivered with ref_id {found.ref_id})"
            )
            raise ProviderHasOrder(msg)
        return Refused(reason=f"operator: {verdict.reason}")
    if found is None:
        msg = "the provider has no order for this purchase: it cannot be settled as delivered"
        raise ProviderHasNoOrder(msg)
    if verdict.ref_id != found.ref_id:
        msg = f"the provider's order for this purchase is {found.ref_id}, not {verdict.ref_id}"
        raise ProviderHasNoOrder(msg)
    return Delivered(receipt=found)
