from __future__ import annotations

from enum import StrEnum

import attrs

from starshop.application.ports import Clock, Delivered, DeliveryOutcome, Refused, UnitOfWork, Unknown
from starshop.application.use_cases._shared import balance_changed, locked
from starshop.domain import IllegalTransition, Transaction, TxStatus, TxType
from starshop.domain.events import PurchaseDelayed, PurchaseDelivered, PurchaseRefused


@attrs.frozen(kw_only=True)
class DeliveryResult:
    tx_id: str
    outcome: DeliveryOutcome


class Recorded(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    UNKNOWN = "unknown"
    ALREADY = "already"


class RecordDelivery:
    """Apply a delivery outcome to a purchase that is being delivered (``processing``).

    - delivered: the held price is captured, the purchase completes with the provider's receipt;
    - refused: the hold is released, the purchase fails, the user is told;
    - unknown: the purchase stays ``processing`` for reconciliation (never refunded, never bought again).
    - A purchase that already ended is left alone (the same outcome twice is harmless).
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, result: DeliveryResult) -> Recorded:
        async with self._uow as uow:
            tx = await locked(uow, result.tx_id)
            if tx.type is not TxType.PURCHASE:
                msg = f"{tx.id} is a {tx.type}, not a purchase"
                raise IllegalTransition(msg)
            if tx.status.is_terminal:
                return Recorded.ALREADY
            if tx.status is not TxStatus.PROCESSING:
                msg = f"purchase {tx.id} is not being delivered ({tx.status})"
                raise IllegalTransition(msg)
            recorded = await self._apply(uow, tx, result.outcome)
            await uow.commit()
        return recorded

    async def _apply(self, uow: UnitOfWork, tx: Transaction, outcome: DeliveryOutcome) -> Recorded:
        now = self._clock.now()
        assert tx.stars is not None and tx.recipient is not None
        match outcome:
            case Delivered(receipt=receipt):
                done = tx.evolve(receipt=receipt, outcome_unknown=False).moved_to(TxStatus.COMPLETED, now)
                await uow.transactions.update(done)
                balance = await uow.balances.capture(tx.user_id, tx.amount)
                await balance_changed(uow, balance, done, "purchase_capture")
                await uow.outbox.add(
                    PurchaseDelivered(
                        user_id=tx.user_id, tx_id=tx.id, stars=tx.stars, recipient=tx.recipient, price=tx.amount
                    )
                )
                return Recorded.COMPLETED
            case Refused(reason=reason):
                failed = tx.evolve(failure_reason=reason, outcome_unknown=False).moved_to(TxStatus.FAILED, now)
                await uow.transactions.update(failed)
                balance = await uow.balances.release(tx.user_id, tx.amount)
                await balance_changed(uow, balance, failed, "purchase_release")
                await uow.outbox.add(
                    PurchaseRefused(
                        user_id=tx.user_id,
                        tx_id=tx.id,
                        stars=tx.stars,
                        recipient=tx.recipient,
                        price=tx.amount,
                        reason=reason,
                    )
                )
                return Recorded.FAILED
            case Unknown(reason=reason):
                if not tx.outcome_unknown:
                    await uow.transactions.update(
                        tx.evolve(outcome_unknown=True, failure_reason=reason, updated_at=now)
                    )
                    await uow.outbox.add(
                        PurchaseDelayed(user_id=tx.user_id, tx_id=tx.id, stars=tx.stars, recipient=tx.recipient)
                    )
                return Recorded.UNKNOWN
