"""The journal entry: every money movement is a ``Transaction`` that follows one state machine."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import attrs

from starshop.domain.errors import IllegalTransition, InvalidAmount, InvalidRecipient, InvalidStarAmount
from starshop.domain.money import Money
from starshop.domain.premium import PREMIUM_MONTHS, Product, check_months


class TxType(StrEnum):
    RECHARGE = "recharge"
    PURCHASE = "purchase"
    REFUND = "refund"
    BONUS = "bonus"
    ADJUSTMENT = "adjustment"
    PROMO = "promo"  # a bonus promo code redeemed
    REFERRAL = "referral"  # a referrer's reward for a purchase of a user they invited


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

CREDIT_TYPES = frozenset({TxType.RECHARGE, TxType.REFUND, TxType.BONUS, TxType.PROMO, TxType.REFERRAL})


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
class PurchaseDetails:
    """What a purchase buys for the Telegram user ``recipient``: ``stars``, or ``months`` of Telegram Premium."""

    stars: int | None
    recipient: str
    product: Product = Product.STARS
    months: int | None = None

    @property
    def label(self) -> str:
        if self.product is Product.PREMIUM:
            return f"{self.months} months of Telegram Premium"
        return f"{self.stars} stars"


@attrs.frozen(kw_only=True)
class InvoiceTerms:
    """What a recharge asks the gateway for: ``amount`` under ``order_id``, payable until ``expires_at``."""

    order_id: str
    amount: Money
    expires_at: datetime


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
    chat_message_id: int | None = None  # the bot's message carrying the invoice's Pay button, if the bot sent one
    # purchase: ``stars``, or (product ``premium``) ``months`` of Telegram Premium
    product: Product = Product.STARS
    months: int | None = None
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
    # promo codes: the code a promo credit redeemed, or the discount code a purchase used and what it took off
    promo_code: str | None = None
    discount: Money | None = None
    # referral rewards: the completed purchase of the invited user this reward is for
    reward_for: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.type is TxType.ADJUSTMENT:
            if self.amount.is_zero:
                msg = "an adjustment must not be zero"
                raise InvalidAmount(msg)
        elif not self.amount.is_positive:
            msg = f"a {self.type} must have a positive amount, got {self.amount}"
            raise InvalidAmount(msg)
        if self.type is TxType.PURCHASE and (self.recipient is None or not _buys_one_thing(self)):
            msg = "a purchase needs a recipient and either stars or (Premium) months"
            raise InvalidAmount(msg)

    @classmethod
    def recharge(
        cls,
        *,
        id: str,
        user_id: int,
        amount: Money,
        at: datetime,
        lifetime: timedelta,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
    ) -> Transaction:
        """A pending top-up of ``amount``. Its gateway order id is its own id, so a retried create asks the gateway
        for the same invoice; the invoice is payable for ``lifetime``."""
        return cls(
            id=id,
            user_id=user_id,
            type=TxType.RECHARGE,
            status=TxStatus.PENDING,
            amount=amount,
            invoice_amount=amount,
            order_id=id,
            created_at=at,
            updated_at=at,
            expires_at=at + lifetime,
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint,
            description=f"Top-up {amount}",
        )

    @classmethod
    def invoice_for(cls, purchase: Transaction, *, id: str, at: datetime, lifetime: timedelta) -> Transaction:
        """The pending recharge that pays ``purchase`` by its own invoice: its price, for its buyer, linked to it.

        Only a pending purchase paid by invoice and not yet funded has one.
        """
        if purchase.type is not TxType.PURCHASE or purchase.pay_with is not PayWith.INVOICE:
            msg = f"only a purchase paid by invoice has an invoice of its own, not {purchase.type} {purchase.id}"
            raise IllegalTransition(msg)
        if purchase.status is not TxStatus.PENDING or purchase.funded:
            msg = f"purchase {purchase.id} is {purchase.status}{' and funded' if purchase.funded else ''}: no invoice"
            raise IllegalTransition(msg)
        item = purchase.purchase_details
        return cls(
            id=id,
            user_id=purchase.user_id,
            type=TxType.RECHARGE,
            status=TxStatus.PENDING,
            amount=purchase.amount,
            invoice_amount=purchase.amount,
            order_id=id,
            purchase_id=purchase.id,
            created_at=at,
            updated_at=at,
            expires_at=at + lifetime,
            description=f"Payment for {item.label} for @{item.recipient}",
        )

    @classmethod
    def purchase(
        cls,
        *,
        id: str,
        user_id: int,
        recipient: str,
        price: Money,
        pay_with: PayWith,
        at: datetime,
        stars: int | None = None,
        months: int | None = None,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
        promo_code: str | None = None,
        discount: Money | None = None,
    ) -> Transaction:
        """A pending purchase of ``stars`` (or ``months`` of Telegram Premium, never both) for ``recipient`` at
        ``price``; it holds nothing until its price is held (``price_held``). A discount code's ``promo_code`` and
        the ``discount`` it took off go with it."""
        if (promo_code is None) != (discount is None):
            msg = "a discounted purchase names its code and its discount"
            raise InvalidAmount(msg)
        if (stars is None) == (months is None):
            msg = "a purchase buys either stars or months of Premium"
            raise InvalidAmount(msg)
        if months is not None:
            check_months(months)
        elif stars is None or stars < 1:
            msg = f"a purchase buys at least one star, got {stars}"
            raise InvalidStarAmount(msg)
        if not recipient:
            msg = "a purchase needs a recipient"
            raise InvalidRecipient(msg)
        item = PurchaseDetails(
            stars=stars,
            recipient=recipient,
            product=Product.STARS if months is None else Product.PREMIUM,
            months=months,
        )
        return cls(
            id=id,
            user_id=user_id,
            type=TxType.PURCHASE,
            status=TxStatus.PENDING,
            amount=price,
            product=item.product,
            months=months,
            stars=stars,
            recipient=recipient,
            pay_with=pay_with,
            created_at=at,
            updated_at=at,
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint,
            description=f"{item.label} for @{recipient}",
            promo_code=promo_code,
            discount=discount,
        )

    @classmethod
    def bonus(
        cls,
        *,
        id: str,
        user_id: int,
        amount: Money,
        actor: int,
        at: datetime,
        reason: str = "",
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
    ) -> Transaction:
        """A completed credit of a positive ``amount`` an operator (``actor``) gave."""
        return cls(
            id=id,
            user_id=user_id,
            type=TxType.BONUS,
            status=TxStatus.COMPLETED,
            amount=amount,
            created_at=at,
            updated_at=at,
            actor=actor,
            description=reason or "Bonus",
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint,
        )

    @classmethod
    def promo(
        cls,
        *,
        id: str,
        user_id: int,
        code: str,
        amount: Money,
        at: datetime,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
    ) -> Transaction:
        """A completed credit of the positive ``amount`` the bonus promo code ``code`` gives."""
        return cls(
            id=id,
            user_id=user_id,
            type=TxType.PROMO,
            status=TxStatus.COMPLETED,
            amount=amount,
            created_at=at,
            updated_at=at,
            description=f"Promo code {code}",
            promo_code=code,
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint,
        )

    @classmethod
    def referral(cls, *, id: str, referrer_id: int, amount: Money, purchase: Transaction, at: datetime) -> Transaction:
        """A completed credit of ``amount`` to ``referrer_id`` for the completed ``purchase`` of a user they
        invited; it names that purchase (``reward_for``), which earns one reward at most."""
        if purchase.type is not TxType.PURCHASE or purchase.status is not TxStatus.COMPLETED:
            msg = f"only a completed purchase earns a referral reward, not {purchase.type} {purchase.id}"
            raise IllegalTransition(msg)
        if referrer_id == purchase.user_id:
            msg = f"user {referrer_id} cannot be rewarded for their own purchase"
            raise IllegalTransition(msg)
        return cls(
            id=id,
            user_id=referrer_id,
            type=TxType.REFERRAL,
            status=TxStatus.COMPLETED,
            amount=amount,
            created_at=at,
            updated_at=at,
            description="Referral reward",
            reward_for=purchase.id,
        )

    @classmethod
    def adjustment(
        cls,
        *,
        id: str,
        user_id: int,
        amount: Money,
        actor: int,
        reason: str,
        at: datetime,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
    ) -> Transaction:
        """A completed correction by a signed, non-zero ``amount`` an operator (``actor``) made, with a reason."""
        if not reason.strip():
            msg = "an adjustment needs a reason"
            raise InvalidAmount(msg)
        return cls(
            id=id,
            user_id=user_id,
            type=TxType.ADJUSTMENT,
            status=TxStatus.COMPLETED,
            amount=amount,
            created_at=at,
            updated_at=at,
            actor=actor,
            description=reason,
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint,
        )

    @property
    def purchase_details(self) -> PurchaseDetails:
        """What a purchase buys (stars or months of Premium) and for whom; no other type has them."""
        if self.type is not TxType.PURCHASE or self.recipient is None:
            msg = f"{self.id} is a {self.type}, not a purchase: it buys nothing"
            raise IllegalTransition(msg)
        return PurchaseDetails(stars=self.stars, recipient=self.recipient, product=self.product, months=self.months)

    @property
    def attempt_started(self) -> datetime:
        """When the one delivery attempt of this purchase began; only a purchase that was claimed has one."""
        if self.type is not TxType.PURCHASE or self.attempt_started_at is None:
            msg = f"{self.type} {self.id} has no delivery attempt ({self.status})"
            raise IllegalTransition(msg)
        return self.attempt_started_at

    @property
    def invoice_terms(self) -> InvoiceTerms:
        """The gateway order id, amount and expiry of a recharge; no other type has them."""
        if (
            self.type is not TxType.RECHARGE
            or self.order_id is None
            or self.invoice_amount is None
            or self.expires_at is None
        ):
            msg = f"{self.id} is a {self.type} without invoice terms, not a recharge"
            raise IllegalTransition(msg)
        return InvoiceTerms(order_id=self.order_id, amount=self.invoice_amount, expires_at=self.expires_at)

    def price_held(self, at: datetime) -> Transaction:
        """The price of this pending purchase is now held on the balance: it is funded and can be delivered."""
        if self.type is not TxType.PURCHASE or self.status is not TxStatus.PENDING or self.funded:
            state = "funded" if self.funded else self.status
            msg = f"only a pending, unfunded purchase can hold its price, not {self.type} {self.id} ({state})"
            raise IllegalTransition(msg)
        return attrs.evolve(self, funded=True, updated_at=at)

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


def _buys_one_thing(tx: Transaction) -> bool:
    """Stars (at least one) and no months, or (Premium) 3, 6 or 12 months and no stars."""
    if tx.product is Product.PREMIUM:
        return tx.stars is None and tx.months in PREMIUM_MONTHS
    return tx.months is None and tx.stars is not None and tx.stars > 0
