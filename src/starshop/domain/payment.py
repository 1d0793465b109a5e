"""What a payment gateway can say about an invoice, in the shop's own words."""

from __future__ import annotations

from enum import StrEnum


class PaymentStatus(StrEnum):
    """Gateway-neutral invoice statuses (Heleket's names are mapped onto these by its adapter)."""

    WAITING = "waiting"  # check
    CONFIRMING = "confirming"  # process, confirm_check
    UNDERPAID_WAITING = "underpaid_waiting"  # wrong_amount_waiting
    PAID = "paid"  # paid
    OVERPAID = "overpaid"  # paid_over
    UNDERPAID = "underpaid"  # wrong_amount (final)
    CANCELLED = "cancelled"  # cancel: expired, not paid
    FAILED = "failed"  # fail, system_fail
    LOCKED = "locked"  # held by AML checks
    REFUNDING = "refunding"  # refund_process
    REFUNDED = "refunded"  # refund_paid
    REFUND_FAILED = "refund_failed"  # refund_fail

    @property
    def rank(self) -> int:
        """Statuses only move forward: a notification of a lower rank than one already seen changes nothing."""
        return _RANK[self]

    @property
    def credits(self) -> bool:
        return self in (PaymentStatus.PAID, PaymentStatus.OVERPAID)

    @property
    def is_refund(self) -> bool:
        return self in (PaymentStatus.REFUNDING, PaymentStatus.REFUNDED, PaymentStatus.REFUND_FAILED)


_RANK = {
    PaymentStatus.WAITING: 0,
    PaymentStatus.CONFIRMING: 1,
    PaymentStatus.UNDERPAID_WAITING: 2,
    PaymentStatus.PAID: 3,
    PaymentStatus.OVERPAID: 3,
    PaymentStatus.UNDERPAID: 3,
    PaymentStatus.CANCELLED: 3,
    PaymentStatus.FAILED: 3,
    PaymentStatus.LOCKED: 3,
    PaymentStatus.REFUNDING: 4,
    PaymentStatus.REFUNDED: 5,
    PaymentStatus.REFUND_FAILED: 5,
}


class UnderpaymentPolicy(StrEnum):
    """What a final underpayment (``wrong_amount``) credits: what was received, or nothing."""

    PRO_RATA = "pro_rata"
    NONE = "none"
