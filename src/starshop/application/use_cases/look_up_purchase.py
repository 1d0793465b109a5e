from __future__ import annotations

import attrs

from starshop.application.config import ShopConfig
from starshop.application.errors import NotSettleable, ProviderLookupFailed
from starshop.application.ports import Clock, DeliveryLookupFailed, DeliveryOrder, StarDelivery, UnitOfWork
from starshop.application.use_cases._shared import RECEIPT_HORIZON, stored
from starshop.domain import DeliveryReceipt, Transaction, TxType


@attrs.frozen(kw_only=True)
class PurchaseLookup:
    """What the provider shows for a purchase, next to it; ``settle_refusal`` is why an operator may not settle it
    now (``None``: they may, and ``order`` tells which verdict the provider will accept)."""

    purchase: Transaction
    order: DeliveryReceipt | None
    settle_refusal: str | None


class LookUpPurchase:
    """An operator asks the provider about a purchase before deciding; nothing is changed.

    - Only a purchase that was handed to the provider (it has an attempt) can be looked up.
    - The lookup is the one the verdict will be checked with: the provider's orders of those stars to that
      recipient since the attempt started, never one recorded on another purchase.
    - If the provider cannot be asked now, that is said (``provider_lookup_failed``), as for a verdict.
    """

    def __init__(self, uow: UnitOfWork, delivery: StarDelivery, clock: Clock, config: ShopConfig) -> None:
        self._uow = uow
        self._delivery = delivery
        self._clock = clock
        self._config = config

    async def __call__(self, tx_id: str) -> PurchaseLookup:
        now = self._clock.now()
        async with self._uow as uow:
            tx = await stored(uow, tx_id)
            if tx.type is not TxType.PURCHASE or tx.attempt_started_at is None:
                msg = f"{tx.id} was never handed to the provider: there is no order to look up"
                raise NotSettleable(msg)
            order = DeliveryOrder.of(tx, started_at=tx.attempt_started)
            taken = await uow.transactions.receipts_for(
                order.recipient, order.stars, since=order.started_at - RECEIPT_HORIZON, months=order.months
            )
        own = {tx.receipt.ref_id} if tx.receipt is not None else set()
        try:
            found = await self._delivery.find_order(order, until=now, exclude_refs=frozenset(taken - own))
        except DeliveryLookupFailed as exc:
            msg = f"the provider's order history cannot be read now ({exc}): try again later"
            raise ProviderLookupFailed(msg) from exc
        refusal = tx.settle_refusal(now=now, lookup_after=self._config.lookup_after)
        return PurchaseLookup(purchase=tx, order=found, settle_refusal=refusal)
