"""The journal entry: every money movement is a ``Transaction`` that follows one state machine."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import attrs

from starshop.domain.errors import IllegalTransition, InvalidAmount
from starshop.domain.money import Money


class TxType(StrEnum):
    RECHARGE = "recharge"
    PURCHASE = "purchase"
    REFUND = "refund"
    BONUS = "bonus"
    ADJUSTMENT = "adjustment"


class TxStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL

    @property
    def is_open(self) -> bool:
        return self in (TxStatus.PENDING, TxStatus.PROCESSING)


class PayWith(StrEnum):
    BALANCE = "balance"
    INVOICE = "invoice"


TERMINAL = frozenset({TxStatus.COMPLETED, TxStatus.FAILED, TxStatus.CANCELLED, TxStatus.EXPIRED})

ALLOWED: dict[TxStatus, frozenset[TxStatus]] = {
    TxStatus.PENDING: frozenset(
        {TxStatus.PROCESSING, TxStatus.COMPLETED, TxStatus.FAILED, TxStatus.CANCELLED, TxStatus.EXPIRED}
    ),
    TxStatus.PROCESSING: frozenset({TxStatus.COMPLETED, TxStatus.FAILED}),
    TxStatus.COMPLETED: frozenset(),
    TxStatus.FAILED: frozenset(),
    TxStatus.CANCELLED: frozenset(),
    TxStatus.EXPIRED: frozenset(),
}

CREDIT_TYPES = frozenset({TxType.RECHARGE, TxType.REFUND, TxType.BONUS})


def can_move(old: TxStatus, new: TxStatus) -> bool:
    return new in ALLOWED[old]


@attrs.frozen(kw_only=True)
class Invoice:
    """What the payment gateway gave us for a recharge."""

    uuid: str
    url: str
    expires_at: datetime


@attrs.frozen(kw_only=True)
class DeliveryReceipt:
    """The provider's proof that stars were bought."""

    ref_id: str
    tx_hash: str | None = None
    cost: str | None = None


@attrs.frozen(kw_only=True)
class Transaction:
    """One journal row. ``amount`` is positive except for a debiting adjustment, where it is negative.

    Purchases carry ``stars``/``recipient``; ``funded`` says the price is held on the balance. Recharges carry
    ``order_id`` (sent to the gateway) and, once created, the ``invoice``; ``purchase_id`` links the invoice of a
    purchase paid by its own invoice.
    """

    id: str
    user_id: int
    type: TxType
    status: TxStatus
    amount: Money
    created_at: datetime
    updated_at: datetime
    description: str = ""
    idempotency_key: str | None = None
    request_fingerprint: str | None = None
    flag: str | None = None
    # recharge
    order_id: str | None = None
    invoice: Invoice | None = None
    invoice_amount: Money | None = None
    expires_at: datetime | None = None
    gateway_status: str | None = None
    checked_at: datetime | None = None
    purchase_id: str | None = None
    # purchase
    stars: int | None = None
    recipient: str | None = None
    pay_with: PayWith | None = None
    funded: bool = False
    attempt_started_at: datetime | None = None
    outcome_unknown: bool = False
    receipt: DeliveryReceipt | None = None
    failure_reason: str | None = None
    # operator actions
    actor: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.type is TxType.ADJUSTMENT:
            if self.amount.is_zero:
                msg = "an adjustment must not be zero"
                raise InvalidAmount(msg)
        elif not self.amount.is_positive:
            msg = f"a {self.type} must have a positive amount, got {self.amount}"
            raise InvalidAmount(msg)
        if self.type is TxType.PURCHASE and (self.stars is None or self.recipient is None):
            msg = "a purchase needs stars and a recipient"
            raise InvalidAmount(msg)

    @property
    def ledger_effect(self) -> Money:
        """The signed change this transaction makes to the balance amount once completed."""
        if self.type in CREDIT_TYPES or self.type is TxType.ADJUSTMENT:
            return self.amount
        return -self.amount

    @property
    def holds_funds(self) -> bool:
        return self.type is TxType.PURCHASE and self.funded and self.status.is_open

    def moved_to(self, status: TxStatus, at: datetime) -> Transaction:
        if not can_move(self.status, status):
            msg = f"{self.type} {self.id} cannot move from {self.status} to {status}"
            raise IllegalTransition(msg)
        return attrs.evolve(self, status=status, updated_at=at)

    def paid_late(self, at: datetime) -> Transaction:
        """The one exception to finality: money arrived for a recharge we had already given up on."""
        if self.type is not TxType.RECHARGE or self.status not in (TxStatus.EXPIRED, TxStatus.CANCELLED):
            msg = f"only an expired or cancelled recharge can be paid late, not {self.type} {self.status}"
            raise IllegalTransition(msg)
        return attrs.evolve(self, status=TxStatus.COMPLETED, updated_at=at, flag=self.flag or "paid after local expiry")

    def settle_refusal(self, *, now: datetime, lookup_after: timedelta) -> str | None:
        """Why an operator may not settle this purchase now, or ``None`` when they may.

        Only a purchase whose delivery outcome is unknown, and whose attempt is older than the lookup delay (no
        provider call can still be running), is the operator's to settle.
        """
        if self.type is not TxType.PURCHASE:
            return f"{self.id} is a {self.type}, not a purchase"
        if self.status.is_terminal:
            return f"purchase {self.id} already ended ({self.status})"
        if self.status is not TxStatus.PROCESSING or self.attempt_started_at is None:
            return f"purchase {self.id} is not being delivered ({self.status}): nothing to settle"
        if not self.outcome_unknown:
            return f"purchase {self.id} is still being delivered: its provider call has not answered"
        if now - self.attempt_started_at < lookup_after:
            ready = self.attempt_started_at + lookup_after
            return f"purchase {self.id} is too recent to settle: its provider call may still land (wait until {ready})"
        return None

    def contradicted(self, reason: str, at: datetime, *, receipt: DeliveryReceipt | None = None) -> Transaction:
        """Keep an outcome that contradicts how this purchase ended: its receipt (when it has none) and a flag.

        The status never changes again; what the money should do is an operator's decision.
        """
        if self.type is not TxType.PURCHASE or not self.status.is_terminal:
            msg = f"only an ended purchase can be contradicted, not {self.type} {self.status}"
            raise IllegalTransition(msg)
        kept = self if receipt is None or self.receipt is not None else attrs.evolve(self, receipt=receipt)
        return kept.flagged(reason, at)

    def flagged(self, reason: str, at: datetime) -> Transaction:
        if self.flag is not None:
            reason = self.flag if reason in self.flag.split("; ") else f"{self.flag}; {reason}"
        return attrs.evolve(self, flag=reason, updated_at=at)

    def cleared_flag(self, at: datetime) -> Transaction:
        return attrs.evolve(self, flag=None, updated_at=at)

    def evolve(self, **changes: object) -> Transaction:
        return attrs.evolve(self, **changes)  # type: ignore[arg-type]
