from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from starshop.application.config import ShopConfig
from starshop.application.ports import Clock, PaymentNotification, ReceivedWebhook, UnitOfWork
from starshop.application.use_cases._shared import (
    balance_change,
    balance_changed,
    cancel_waiting_purchase,
    invoice_closed,
    locked,
    waiting_order_funded,
)
from starshop.domain import (
    InsufficientFunds,
    Money,
    PaymentStatus,
    Transaction,
    TxStatus,
    TxType,
    UnderpaymentPolicy,
)
from starshop.domain.events import OperatorAttention, PaymentReceived, PurchaseQueued


class PaymentOutcome(StrEnum):
    CREDITED = "credited"
    CREDITED_LATE = "credited_late"
    CREDITED_PARTIALLY = "credited_partially"
    DUPLICATE = "duplicate"
    PROGRESSED = "progressed"
    IGNORED = "ignored"
    CLOSED = "closed"
    FLAGGED = "flagged"
    UNKNOWN_ORDER = "unknown_order"
    MISMATCH = "mismatch"


class ConfirmPayment:
    """Apply an authenticated gateway notification to its recharge.

    - The recharge is locked; ``order_id``, invoice uuid, amount and currency must match what we stored, or nothing
      changes and it is flagged.
    - ``paid``/``overpaid`` credit the amount we stored, once; duplicates and anything older change nothing.
    - A final underpayment follows the configured policy (credit what was received, or nothing) and is flagged. A
      purchase paid by that invoice is cancelled: what was received stays on the balance and the rest is never
      taken from the user's other money (they may buy again paying from the balance).
    - A ``paid`` after we expired or cancelled the recharge is still credited, and flagged.
    - Cancelled and failed invoices close the recharge; locked (AML) and refund statuses flag it for an operator.
    - The invoice of a purchase, once credited, funds that purchase in the same commit and queues its delivery.
    - A top-up an order waits for, once credited in full, has the order placed (``OrderFunded``, once per
      recharge); not paid in full, it drops the order.
    - A webhook (``webhook=True``: authenticated, for one of our recharges) is kept in the recharge's webhook history
      with what it did, in the same commit; the same content again counts as a repeat, and a recharge keeps at most
      ``WEBHOOKS_KEPT`` distinct ones. Lookups and notifications for unknown orders are not kept.

    The common case, money for an open recharge that pays for no purchase and no waiting order, is decided on an
    unlocked read of the recharge and its balance and written in one step that refuses when either changed meanwhile
    (``PaymentCredits``); the decision is then made again under the lock, as every other case is.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, config: ShopConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config

    async def __call__(self, note: PaymentNotification, *, webhook: bool = False) -> PaymentOutcome:
        async with self._uow as uow:
            if await self._credit_in_one_step(uow, note, webhook=webhook):
                return PaymentOutcome.CREDITED
            tx = await uow.transactions.by_order_id(note.order_id, lock=True)
            if tx is None or tx.type is not TxType.RECHARGE:
                return PaymentOutcome.UNKNOWN_ORDER
            outcome = await self._apply(uow, tx, note)
            if webhook:
                await uow.webhooks.record(_received(tx.id, note, outcome, self._clock.now()))
            await uow.commit()
        return outcome

    async def _credit_in_one_step(self, uow: UnitOfWork, note: PaymentNotification, *, webhook: bool) -> bool:
        """``True`` when the payment was credited in one step (the webhook kept with it, and committed); ``False``
        when the locked way must decide (nothing was written)."""
        if not note.status.credits:
            return False
        seen = await uow.credits.snapshot(note.order_id)
        if seen is None or seen.has_order:  # an order made with the recharge: its credit places that order
            return False
        tx = seen.tx
        simple = tx.type is TxType.RECHARGE and tx.status.is_open and tx.purchase_id is None
        if not simple or _mismatch(tx, note) or tx.amount.currency != seen.balance.currency:
            return False
        now = self._clock.now()
        tx = tx.evolve(gateway_status=note.status.value, updated_at=now).moved_to(TxStatus.COMPLETED, now)
        balance = seen.balance.credit(tx.amount)
        events = [
            PaymentReceived(user_id=tx.user_id, tx_id=tx.id, amount=tx.amount, balance=balance.amount),
            balance_change(balance, tx, "recharge"),
        ]
        kept = _received(tx.id, note, PaymentOutcome.CREDITED, now) if webhook else None
        if not await uow.credits.apply(seen, tx, balance, events, kept):
            return False
        await uow.commit()  # nothing left on Postgres, where the statement committed as it ran
        return True

    async def _apply(self, uow: UnitOfWork, tx: Transaction, note: PaymentNotification) -> PaymentOutcome:
        now = self._clock.now()
        problem = _mismatch(tx, note)
        if problem:
            await self._flag(uow, tx, f"notification refused: {problem}")
            return PaymentOutcome.MISMATCH
        if _stale(tx, note.status):
            return PaymentOutcome.IGNORED
        tx = tx.evolve(gateway_status=note.status.value, updated_at=now)
        status = note.status
        if status.credits:
            return await self._credit(uow, tx, tx.amount, late_ok=True)
        if status is PaymentStatus.UNDERPAID:
            return await self._underpaid(uow, tx, note)
        if status.is_refund or status is PaymentStatus.LOCKED:
            await self._flag(uow, tx, f"gateway reports {note.raw_status or status.value}")
            return PaymentOutcome.FLAGGED
        if status in (PaymentStatus.CANCELLED, PaymentStatus.FAILED):
            if tx.status.is_open:
                # A pending invoice that was never paid expires; one whose payment was seen fails.
                expires = status is PaymentStatus.CANCELLED and tx.status is TxStatus.PENDING
                tx = tx.moved_to(TxStatus.EXPIRED if expires else TxStatus.FAILED, now)
                await cancel_waiting_purchase(uow, tx, now)
                await invoice_closed(uow, tx)
            await uow.transactions.update(tx)
            return PaymentOutcome.CLOSED
        if tx.status is TxStatus.PENDING and status is not PaymentStatus.WAITING:
            tx = tx.moved_to(TxStatus.PROCESSING, now)
        await uow.transactions.update(tx)
        return PaymentOutcome.PROGRESSED

    async def _credit(
        self, uow: UnitOfWork, tx: Transaction, amount: Money, *, late_ok: bool, funds_purchase: bool = True
    ) -> PaymentOutcome:
        now = self._clock.now()
        if tx.status is TxStatus.COMPLETED:
            await uow.transactions.update(tx)
            return PaymentOutcome.DUPLICATE
        outcome = PaymentOutcome.CREDITED
        if tx.status.is_open:
            tx = tx.evolve(amount=amount).moved_to(TxStatus.COMPLETED, now)
        elif late_ok and tx.status in (TxStatus.EXPIRED, TxStatus.CANCELLED):
            tx = tx.evolve(amount=amount).paid_late(now)
            outcome = PaymentOutcome.CREDITED_LATE
            await uow.outbox.add(OperatorAttention(user_id=tx.user_id, tx_id=tx.id, reason="paid after expiry"))
        else:
            await self._flag(uow, tx, f"money reported for a {tx.status} recharge")
            return PaymentOutcome.FLAGGED
        await uow.transactions.update(tx)
        balance = await uow.balances.credit(tx.user_id, amount)
        await uow.outbox.add(PaymentReceived(user_id=tx.user_id, tx_id=tx.id, amount=amount, balance=balance.amount))
        await balance_changed(uow, balance, tx, "recharge")
        if funds_purchase:
            await self._fund_purchase(uow, tx)
            await waiting_order_funded(uow, tx)
        else:
            await cancel_waiting_purchase(uow, tx, now)
        return outcome

    async def _underpaid(self, uow: UnitOfWork, tx: Transaction, note: PaymentNotification) -> PaymentOutcome:
        received = note.paid_amount
        policy = self._config.underpayment
        if policy is UnderpaymentPolicy.PRO_RATA and received is not None and received.is_positive:
            credit = min(received, tx.amount, key=lambda m: m.amount)
            tx = tx.flagged(f"underpaid: {received} of {tx.amount} received, credited", self._clock.now())
            outcome = await self._credit(uow, tx, credit, late_ok=True, funds_purchase=False)
            await uow.outbox.add(OperatorAttention(user_id=tx.user_id, tx_id=tx.id, reason="underpaid"))
            return PaymentOutcome.CREDITED_PARTIALLY if outcome is PaymentOutcome.CREDITED else outcome
        now = self._clock.now()
        if tx.status.is_open:
            tx = tx.moved_to(TxStatus.FAILED, now)
            await cancel_waiting_purchase(uow, tx, now)
            await invoice_closed(uow, tx, why="underpaid")
        await self._flag(uow, tx, f"underpaid: {received or 'unknown amount'} of {tx.amount}, nothing credited")
        return PaymentOutcome.FLAGGED

    async def _fund_purchase(self, uow: UnitOfWork, recharge: Transaction) -> None:
        """Hold the price of the purchase this invoice paid for, and queue its delivery."""
        if recharge.purchase_id is None:
            return
        purchase = await locked(uow, recharge.purchase_id)
        if purchase.status is not TxStatus.PENDING or purchase.funded:
            return
        now = self._clock.now()
        try:
            balance = await uow.balances.hold(purchase.user_id, purchase.amount)
        except InsufficientFunds:
            await cancel_waiting_purchase(uow, recharge, now)
            return
        await uow.transactions.update(purchase.price_held(now))
        await balance_changed(uow, balance, purchase, "purchase_hold")
        await uow.outbox.add(PurchaseQueued(user_id=purchase.user_id, tx_id=purchase.id))

    async def _flag(self, uow: UnitOfWork, tx: Transaction, reason: str) -> None:
        await uow.transactions.update(tx.flagged(reason, self._clock.now()))
        await uow.outbox.add(OperatorAttention(user_id=tx.user_id, tx_id=tx.id, reason=reason))


def _stale(tx: Transaction, status: PaymentStatus) -> bool:
    """Statuses move forward only; after money arrived, only refund news matters (and a repeat of ``paid``)."""
    if tx.gateway_status is None or status.credits:
        return False
    prior = PaymentStatus(tx.gateway_status)
    return status.rank < prior.rank or (prior.credits and not status.is_refund)


def _mismatch(tx: Transaction, note: PaymentNotification) -> str | None:
    if tx.invoice is not None and tx.invoice.uuid != note.invoice_uuid:
        return f"invoice {note.invoice_uuid} is not ours ({tx.invoice.uuid})"
    expected = tx.invoice_amount
    if expected is None or note.amount.currency != expected.currency:
        return f"currency {note.amount.currency} differs from {expected and expected.currency}"
    if note.amount != expected:
        return f"amount {note.amount} differs from {expected}"
    return None


def _received(tx_id: str, note: PaymentNotification, outcome: PaymentOutcome, at: datetime) -> ReceivedWebhook:
    """The webhook as its history keeps it: the fingerprint is its content, so a repeat is told from a new one."""
    paid = note.paid_amount if note.paid_amount is None or note.paid_amount.currency == note.amount.currency else None
    fields = (note.order_id, note.invoice_uuid, note.raw_status, note.status.value, str(note.amount), str(paid))
    return ReceivedWebhook(
        tx_id=tx_id,
        invoice_uuid=note.invoice_uuid[:64],
        status=(note.raw_status or note.status.value)[:32],
        amount=note.amount,
        paid_amount=paid,
        outcome=outcome.value,
        fingerprint=hashlib.sha256("\n".join(fields).encode()).hexdigest(),
        received_at=at,
        last_received_at=at,
    )
