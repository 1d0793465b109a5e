from __future__ import annotations

import attrs

from starshop.application.config import ShopConfig
from starshop.application.ports import (
    DELIVER_PURCHASE,
    Clock,
    Delivered,
    DeliveryLookupFailed,
    DeliveryOrder,
    StarDelivery,
    TaskQueue,
    UnitOfWork,
    Unknown,
)
from starshop.application.use_cases._shared import RECEIPT_HORIZON, locked
from starshop.application.use_cases.record_delivery import DeliveryResult, RecordDelivery
from starshop.domain import Transaction, TxStatus
from starshop.domain.events import OperatorAttention


@attrs.frozen(kw_only=True)
class PurchaseReconciliation:
    requeued: int = 0
    delivered: int = 0
    unresolved: int = 0
    flagged: int = 0
    lookup_failed: int = 0


class ReconcilePurchases:
    """Drive every purchase left half-way to an end (the sweep).

    - Funded purchases nobody claimed for a while (a lost task) are queued again, at most once per
      ``requeue_after``; the claim prevents doubles, and a queue that is away is tried again on the next sweep.
    - Attempts older than any delivery call can take are looked up at the provider: found means delivered. An order
      already recorded on another purchase never counts twice.
    - Not found: the purchase stays unresolved (never refunded, never bought again); past the deadline it is
      flagged for an operator, once.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        delivery: StarDelivery,
        queue: TaskQueue,
        clock: Clock,
        record: RecordDelivery,
        config: ShopConfig,
    ) -> None:
        self._uow = uow
        self._delivery = delivery
        self._queue = queue
        self._clock = clock
        self._record = record
        self._config = config

    async def __call__(self) -> PurchaseReconciliation:
        now = self._clock.now()
        limit = self._config.batch_size
        async with self._uow as uow:
            queued = await uow.transactions.queued_purchases(
                updated_before=now - self._config.requeue_after, limit=limit
            )
            in_flight = await uow.transactions.in_flight_purchases(
                started_before=now - self._config.lookup_after, limit=limit
            )
        requeued = 0
        for tx in queued:
            requeued += await self._requeue(tx.id)
        counts = {"delivered": 0, "unresolved": 0, "flagged": 0, "lookup_failed": 0}
        for tx in in_flight:
            counts[await self._resolve(tx)] += 1
        return PurchaseReconciliation(requeued=requeued, **counts)

    async def _requeue(self, tx_id: str) -> int:
        """Queue the delivery again, and note when, so the next sweeps wait ``requeue_after`` before another copy."""
        async with self._uow as uow:
            tx = await locked(uow, tx_id)
            if tx.status is not TxStatus.PENDING or not tx.funded:
                return 0  # claimed meanwhile
            await uow.transactions.update(tx.evolve(updated_at=self._clock.now()))
            await uow.commit()
        try:
            await self._queue.enqueue(DELIVER_PURCHASE, tx_id)
        except Exception:  # the queue is away: the row stays, and a later sweep tries again
            return 0
        return 1

    async def _resolve(self, tx: Transaction) -> str:
        order = DeliveryOrder.of(tx, started_at=tx.attempt_started)
        now = self._clock.now()
        async with self._uow as uow:
            taken = await uow.transactions.receipts_for(
                order.recipient, order.stars, since=order.started_at - RECEIPT_HORIZON, months=order.months
            )
        try:
            receipt = await self._delivery.find_order(order, until=now, exclude_refs=taken)
        except DeliveryLookupFailed:
            return "lookup_failed"
        if receipt is not None:
            await self._record(DeliveryResult(tx_id=tx.id, outcome=Delivered(receipt=receipt), from_lookup=True))
            return "delivered"
        await self._record(DeliveryResult(tx_id=tx.id, outcome=Unknown(reason="no order found at the provider yet")))
        if now - order.started_at < self._config.unknown_deadline:
            return "unresolved"
        return "flagged" if await self._flag(tx.id) else "unresolved"

    async def _flag(self, tx_id: str) -> bool:
        reason = "delivery outcome unknown past the deadline"
        async with self._uow as uow:
            tx = await locked(uow, tx_id)
            if tx.status is not TxStatus.PROCESSING or (tx.flag and reason in tx.flag):
                return False
            await uow.transactions.update(tx.flagged(reason, self._clock.now()))
            await uow.outbox.add(OperatorAttention(user_id=tx.user_id, tx_id=tx.id, reason=reason))
            await uow.commit()
        return True
