from __future__ import annotations

from enum import StrEnum

import attrs

from starshop.application.config import ShopConfig
from starshop.application.ports import Clock, Delivered, DeliveryOutcome, IdGenerator, Refused, UnitOfWork, Unknown
from starshop.application.use_cases._shared import RECEIPT_HORIZON, balance_changed, locked, reward_referrer
from starshop.domain import IllegalTransition, Transaction, TxStatus, TxType
from starshop.domain.events import OperatorAttention, PurchaseDelayed, PurchaseDelivered, PurchaseRefused


@attrs.frozen(kw_only=True)
class DeliveryResult:
    """``from_lookup``: the receipt was found in the provider's order history (reconciliation, an operator), not
    returned by this purchase's own call, so it is checked against the orders other purchases hold."""

    tx_id: str
    outcome: DeliveryOutcome
    from_lookup: bool = False


class Recorded(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    UNKNOWN = "unknown"
    ALREADY = "already"
    CONTRADICTED = "contradicted"


class RecordDelivery:
    """Apply a delivery outcome to a purchase that is being delivered (``processing``).

    - delivered: the held price is captured, the purchase completes with the provider's receipt, and the buyer's
      referrer is credited ``referral_percent`` of its price as a ``referral`` entry linked to it, in the same commit
      (a purchase completes once, so it rewards once; the store refuses a second reward for it too);
    - refused: the hold is released, the purchase fails, the user is told;
    - unknown: the purchase stays ``processing`` for reconciliation (never refunded, never bought again).
    - A purchase that already ended keeps its status; the same outcome twice is harmless. An outcome that contradicts
      how it ended (delivered after it failed, refused after it completed, a second order) is kept on it with its
      receipt, flagged, and operators are alerted through the outbox: never dropped.
    - An order found by a lookup that is already recorded on another purchase never completes this one: the purchase
      stays unresolved, flagged, and operators are alerted.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, config: ShopConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._percent = config.referral_percent

    async def __call__(self, result: DeliveryResult) -> Recorded:
        async with self._uow as uow:
            tx = await locked(uow, result.tx_id)
            if tx.type is not TxType.PURCHASE:
                msg = f"{tx.id} is a {tx.type}, not a purchase"
                raise IllegalTransition(msg)
            if tx.status.is_terminal:
                recorded = await self._after_end(uow, tx, result.outcome)
            elif tx.status is not TxStatus.PROCESSING:
                msg = f"purchase {tx.id} is not being delivered ({tx.status})"
                raise IllegalTransition(msg)
            elif (
                result.from_lookup
                and isinstance(result.outcome, Delivered)
                and await _owned_elsewhere(uow, tx, result.outcome)
            ):
                recorded = await self._taken_order(uow, tx, result.outcome)
            else:
                recorded = await self._apply(uow, tx, result.outcome)
            await uow.commit()
        return recorded

    async def _after_end(self, uow: UnitOfWork, tx: Transaction, outcome: DeliveryOutcome) -> Recorded:
        reason = _contradiction(tx, outcome)
        if reason is None:
            return Recorded.ALREADY
        receipt = None
        if isinstance(outcome, Delivered) and not await _owned_elsewhere(uow, tx, outcome):
            receipt = outcome.receipt
        await uow.transactions.update(tx.contradicted(reason, self._clock.now(), receipt=receipt))
        await uow.outbox.add(OperatorAttention(user_id=tx.user_id, tx_id=tx.id, reason=reason))
        return Recorded.CONTRADICTED

    async def _taken_order(self, uow: UnitOfWork, tx: Transaction, outcome: Delivered) -> Recorded:
        item = tx.purchase_details
        reason = f"order {outcome.receipt.ref_id} was reported for this purchase but belongs to another purchase"
        await uow.transactions.update(tx.evolve(outcome_unknown=True).flagged(reason, self._clock.now()))
        if not tx.outcome_unknown:
            await uow.outbox.add(
                PurchaseDelayed(
                    user_id=tx.user_id, tx_id=tx.id, stars=item.stars, recipient=item.recipient, months=item.months
                )
            )
        await uow.outbox.add(OperatorAttention(user_id=tx.user_id, tx_id=tx.id, reason=reason))
        return Recorded.UNKNOWN

    async def _apply(self, uow: UnitOfWork, tx: Transaction, outcome: DeliveryOutcome) -> Recorded:
        now = self._clock.now()
        item = tx.purchase_details
        match outcome:
            case Delivered(receipt=receipt):
                done = tx.evolve(receipt=receipt, outcome_unknown=False).moved_to(TxStatus.COMPLETED, now)
                await uow.transactions.update(done)
                balance = await uow.balances.capture(tx.user_id, tx.amount)
                await balance_changed(uow, balance, done, "purchase_capture")
                await reward_referrer(uow, done, self._percent, self._ids, now)
                await uow.outbox.add(
                    PurchaseDelivered(
                        user_id=tx.user_id,
                        tx_id=tx.id,
                        stars=item.stars,
                        recipient=item.recipient,
                        months=item.months,
                        price=tx.amount,
                        ref=receipt.ref_id,
                        tx_hash=receipt.tx_hash or "",
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
                        stars=item.stars,
                        recipient=item.recipient,
                        months=item.months,
                        price=tx.amount,
                        reason=reason,
                    )
                )
                return Recorded.FAILED
            case Unknown(reason=reason):
                # Touched on every look, so the sweep takes the purchases looked at least recently first: open
                # flagged purchases never starve the lookup of newer ones.
                await uow.transactions.update(tx.evolve(outcome_unknown=True, failure_reason=reason, updated_at=now))
                if not tx.outcome_unknown:
                    await uow.outbox.add(
                        PurchaseDelayed(
                            user_id=tx.user_id,
                            tx_id=tx.id,
                            stars=item.stars,
                            recipient=item.recipient,
                            months=item.months,
                        )
                    )
                return Recorded.UNKNOWN


async def _owned_elsewhere(uow: UnitOfWork, tx: Transaction, outcome: Delivered) -> bool:
    """The order is already recorded on another purchase of the same stars for the same recipient."""
    ref = outcome.receipt.ref_id
    if tx.receipt is not None and tx.receipt.ref_id == ref:
        return False
    item = tx.purchase_details
    taken = await uow.transactions.receipts_for(
        item.recipient, item.stars, since=tx.created_at - RECEIPT_HORIZON, months=item.months
    )
    return ref in taken


def _contradiction(tx: Transaction, outcome: DeliveryOutcome) -> str | None:
    """How an outcome reported for an ended purchase contradicts its end, or ``None`` when it does not."""
    own = tx.receipt.ref_id if tx.receipt is not None else None
    match outcome:
        case Delivered(receipt=receipt) if tx.status is TxStatus.COMPLETED:
            if receipt.ref_id == own:
                return None
            return f"contradicting outcome: a second order {receipt.ref_id} reported for a purchase completed as {own}"
        case Delivered(receipt=receipt):
            return (
                f"contradicting outcome: order {receipt.ref_id} delivered after the purchase {tx.status}"
                " (stars bought, price not taken)"
            )
        case Refused(reason=reason) if tx.status is TxStatus.COMPLETED:
            return f"contradicting outcome: refused ({reason}) after the purchase completed as {own}"
    return None
