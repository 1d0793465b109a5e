from __future__ import annotations

from starshop.application.ports import ClaimResult, Clock, DeliveryOrder, StarDelivery, UnitOfWork
from starshop.application.use_cases._shared import locked
from starshop.application.use_cases.record_delivery import DeliveryResult, RecordDelivery
from starshop.domain import Transaction, TxStatus
from starshop.domain.events import OperatorAttention, PurchaseWaiting


class DeliverPurchase:
    """Make the one delivery attempt of a funded purchase (the background task).

    - The attempt is claimed in the database first (``pending`` -> ``processing``): a second worker, a redelivered
      task or the sweep finds nothing to claim, so the provider is asked at most once per purchase.
    - While a purchase of the same stars for the same recipient is being delivered, the claim waits (``BUSY``): the
      sweep drives it again later, and order lookups stay unambiguous.
    - When the one it waits behind is unresolved (its outcome unknown), both are flagged, naming each other,
      operators are alerted and the buyer is told why the purchase waits (once).
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
            if claim is ClaimResult.BUSY and tx is not None:
                await self._waiting(uow, tx)
            await uow.commit()
        if claim is not ClaimResult.CLAIMED or tx is None:
            return claim
        order = DeliveryOrder.of(tx, started_at=started)
        outcome = await self._delivery.deliver(order)
        await self._record(DeliveryResult(tx_id=tx_id, outcome=outcome))
        return claim

    async def _waiting(self, uow: UnitOfWork, tx: Transaction) -> None:
        item = tx.purchase_details
        ahead = await uow.transactions.in_flight_for(item.recipient, item.stars, months=item.months)
        if ahead is None or not ahead.outcome_unknown:
            return  # still being delivered: a short wait that needs no one's attention
        reason = f"waits behind unresolved purchase {ahead.id} (same recipient and stars)"
        if tx.flag is not None and reason in tx.flag.split("; "):
            return  # flagged and told already
        # two users' rows: always locked in one order (user, then transaction), so two such waits cannot deadlock
        rows = {t.id: await locked(uow, t.id) for t in sorted((ahead, tx), key=lambda t: (t.user_id, t.id))}
        ahead, tx = rows[ahead.id], rows[tx.id]
        if ahead.status is not TxStatus.PROCESSING or tx.status is not TxStatus.PENDING:
            return
        now = self._clock.now()
        await uow.transactions.update(
            ahead.flagged(f"unresolved, holds back purchase {tx.id} (same recipient and stars)", now)
        )
        await uow.transactions.update(tx.flagged(reason, now))
        await uow.outbox.add(OperatorAttention(user_id=tx.user_id, tx_id=tx.id, reason=reason))
        await uow.outbox.add(
            PurchaseWaiting(
                user_id=tx.user_id, tx_id=tx.id, stars=item.stars, recipient=item.recipient, months=item.months
            )
        )
