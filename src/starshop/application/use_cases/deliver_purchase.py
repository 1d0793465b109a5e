from __future__ import annotations

from starshop.application.ports import ClaimResult, Clock, DeliveryOrder, StarDelivery, UnitOfWork
from starshop.application.use_cases.record_delivery import DeliveryResult, RecordDelivery


class DeliverPurchase:
    """Make the one delivery attempt of a funded purchase (the background task).

    - The attempt is claimed in the database first (``pending`` -> ``processing``): a second worker, a redelivered
      task or the sweep finds nothing to claim, so the provider is asked at most once per purchase.
    - While a purchase of the same stars for the same recipient is unresolved, the claim waits (``BUSY``): the sweep
      drives it again later, and order lookups stay unambiguous.
    - No database transaction is open while the provider is called.
    """

    def __init__(self, uow: UnitOfWork, delivery: StarDelivery, clock: Clock, record: RecordDelivery) -> None:
        self._uow = uow
        self._delivery = delivery
        self._clock = clock
        self._record = record

    async def __call__(self, tx_id: str) -> ClaimResult:
        started = self._clock.now()
        async with self._uow as uow:
            claim = await uow.transactions.claim_delivery(tx_id, started)
            tx = await uow.transactions.get(tx_id)
            await uow.commit()
        if claim is not ClaimResult.CLAIMED or tx is None:
            return claim
        assert tx.recipient is not None and tx.stars is not None
        order = DeliveryOrder(purchase_id=tx.id, recipient=tx.recipient, stars=tx.stars, started_at=started)
        outcome = await self._delivery.deliver(order)
        await self._record(DeliveryResult(tx_id=tx_id, outcome=outcome))
        return claim
