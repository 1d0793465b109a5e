"""What the API answers, as typed bodies (the OpenAPI schema documents them). Money travels as decimal strings.

A field left ``UNSET`` is omitted from the JSON: a transaction without stars has no ``stars``, ``recipient``,
``pay_with`` or ``delivery_unknown``, one without an invoice no ``invoice_url``; ``None`` is sent as ``null``.
Fields are encoded in the order they are declared here.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from starshop import domain
from starshop.application.config import ShopConfig
from starshop.application.ports import QuarantinedMessage
from starshop.application.use_cases.audit_ledger import AuditReport
from starshop.application.use_cases.expire_stale_invoices import InvoiceReconciliation
from starshop.application.use_cases.quote_stars import Quote as StarsQuote
from starshop.application.use_cases.reconcile_purchases import PurchaseReconciliation
from starshop.application.use_cases.register_user import TelegramProfile

Decimal = Annotated[str, Meta(description='an exact decimal string, e.g. "10.50"')]
Timestamp = Annotated[str, Meta(description="ISO 8601 with its UTC offset")]
JsonValue = Annotated[
    object, Meta(extra_json_schema={"title": "JsonValue", "description": "any JSON value, as it was stored"})
]
TxType = Literal["recharge", "purchase", "refund", "bonus", "adjustment"]
STAR_AMOUNTS = (50, 100, 250, 500, 1000)  # the quick amounts, as the bot offers them
RECHARGE_AMOUNTS = (D(5), D(10), D(25), D(50), D(100))
TxStatus = Literal["pending", "processing", "completed", "failed", "cancelled", "expired"]


def money(value: domain.Money) -> str:
    return format(value.amount, "f")


class Balance(Struct, kw_only=True):
    amount: Decimal
    held: Decimal
    available: Decimal
    currency: str

    @classmethod
    def of(cls, balance: domain.Balance) -> Balance:
        return cls(
            amount=money(balance.amount),
            held=money(balance.held),
            available=money(balance.available),
            currency=balance.currency.code,
        )


class Me(Struct, kw_only=True):
    user_id: int
    username: str | None
    first_name: str | None
    language_code: str | None
    balance: Balance

    @classmethod
    def of(cls, profile: TelegramProfile, balance: domain.Balance) -> Me:
        return cls(
            user_id=profile.user_id,
            username=profile.username,
            first_name=profile.first_name,
            language_code=profile.language_code,
            balance=Balance.of(balance),
        )


class Quote(Struct, kw_only=True):
    stars: int
    price: Decimal
    currency: str
    price_per_star: Decimal
    markup: Decimal

    @classmethod
    def of(cls, quote: StarsQuote) -> Quote:
        return cls(
            stars=quote.stars,
            price=money(quote.price),
            currency=quote.price.currency.code,
            price_per_star=format(quote.price_per_star, "f"),
            markup=format(quote.markup, "f"),
        )


class Transaction(Struct, kw_only=True):
    """One journal row as its owner sees it."""

    id: str
    type: TxType
    status: TxStatus
    amount: Decimal
    currency: str
    description: str
    created_at: Timestamp
    updated_at: Timestamp
    stars: int | UnsetType = UNSET
    recipient: str | UnsetType | None = UNSET
    pay_with: Literal["balance", "invoice"] | UnsetType | None = UNSET
    delivery_unknown: bool | UnsetType = UNSET
    invoice_url: str | UnsetType = UNSET
    reference: Annotated[str, Meta(description="the provider's reference of a delivered purchase")] | UnsetType = UNSET
    reason: Annotated[str, Meta(description="why a purchase was refused")] | UnsetType = UNSET

    @classmethod
    def of(cls, tx: domain.Transaction, *, invoice_url: str | None = None) -> Transaction:
        """``invoice_url`` overrides the transaction's own (a new invoice the row does not carry yet)."""
        return cls(**_common(tx, invoice_url))


class Receipt(Struct, kw_only=True):
    ref_id: str
    tx_hash: str | None
    cost: str | None


class OperatorTransaction(Transaction, kw_only=True):
    """One journal row as an operator sees it: its owner, flag, gateway and delivery details, and who acted."""

    user_id: int
    flag: str | None
    order_id: str | None
    gateway_status: str | None
    failure_reason: str | None
    receipt: Receipt | None
    actor: int | None

    @classmethod
    def of(cls, tx: domain.Transaction, *, invoice_url: str | None = None) -> OperatorTransaction:
        given = tx.receipt
        receipt = None if given is None else Receipt(ref_id=given.ref_id, tx_hash=given.tx_hash, cost=given.cost)
        return cls(
            **_common(tx, invoice_url),
            user_id=tx.user_id,
            flag=tx.flag,
            order_id=tx.order_id,
            gateway_status=tx.gateway_status,
            failure_reason=tx.failure_reason,
            receipt=receipt,
            actor=tx.actor,
        )


def _common(tx: domain.Transaction, invoice_url: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": tx.id,
        "type": tx.type.value,
        "status": tx.status.value,
        "amount": money(tx.amount),
        "currency": tx.amount.currency.code,
        "description": tx.description,
        "created_at": tx.created_at.isoformat(),
        "updated_at": tx.updated_at.isoformat(),
    }
    if tx.stars is not None:
        fields |= {
            "stars": tx.stars,
            "recipient": tx.recipient,
            "pay_with": tx.pay_with and tx.pay_with.value,
            "delivery_unknown": tx.outcome_unknown,
        }
    if invoice_url is not None:
        fields["invoice_url"] = invoice_url
    elif tx.invoice is not None:
        fields["invoice_url"] = tx.invoice.url
    if tx.stars is not None and tx.status is domain.TxStatus.COMPLETED and tx.receipt is not None:
        fields["reference"] = tx.receipt.ref_id
    if tx.stars is not None and tx.status is domain.TxStatus.FAILED and tx.failure_reason:
        fields["reason"] = tx.failure_reason
    return fields


class ShopInfo(Struct, kw_only=True):
    """What a storefront needs to draw its forms: the bounds the API enforces and the amounts it suggests."""

    currency: str
    min_stars: int
    max_stars: int
    star_amounts: list[int]
    min_recharge: Decimal
    max_recharge: Decimal
    recharge_amounts: list[Decimal]

    @classmethod
    def of(cls, policy: domain.PurchasePolicy, config: ShopConfig) -> ShopInfo:
        low, high = config.min_recharge.amount, config.max_recharge.amount
        return cls(
            currency=config.currency.code,
            min_stars=domain.MIN_STARS,
            max_stars=policy.max_stars,
            star_amounts=[n for n in STAR_AMOUNTS if n <= policy.max_stars],
            min_recharge=money(config.min_recharge),
            max_recharge=money(config.max_recharge),
            recharge_amounts=[format(a, "f") for a in RECHARGE_AMOUNTS if low <= a <= high],
        )


class History(Struct, kw_only=True):
    items: list[Transaction]
    total: int
    page: int
    page_size: int


class TransactionPage(Struct, kw_only=True):
    items: list[OperatorTransaction]
    total: int
    page: int


class User(Struct, kw_only=True):
    user_id: int
    username: str | None
    first_name: str | None
    last_name: str | None
    language_code: str | None
    created_at: Timestamp
    balance: Balance

    @classmethod
    def of(cls, user: domain.User, balance: domain.Balance) -> User:
        return cls(
            user_id=user.user_id,
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
            language_code=user.language_code,
            created_at=user.created_at.isoformat(),
            balance=Balance.of(balance),
        )


class PurchasesReconciled(Struct, kw_only=True):
    requeued: int
    delivered: int
    unresolved: int
    flagged: int
    lookup_failed: int


class InvoicesReconciled(Struct, kw_only=True):
    checked: int
    credited: int
    expired: int
    unreachable: int


class Reconciliation(Struct, kw_only=True):
    purchases: PurchasesReconciled
    invoices: InvoicesReconciled

    @classmethod
    def of(cls, p: PurchaseReconciliation, i: InvoiceReconciliation) -> Reconciliation:
        return cls(
            purchases=PurchasesReconciled(
                requeued=p.requeued,
                delivered=p.delivered,
                unresolved=p.unresolved,
                flagged=p.flagged,
                lookup_failed=p.lookup_failed,
            ),
            invoices=InvoicesReconciled(
                checked=i.checked, credited=i.credited, expired=i.expired, unreachable=i.unreachable
            ),
        )


class Violation(Struct, kw_only=True):
    user_id: int
    problems: list[str]


class Audit(Struct, kw_only=True):
    ok: bool
    users_checked: int
    violations: list[Violation]

    @classmethod
    def of(cls, report: AuditReport) -> Audit:
        violations = [Violation(user_id=v.user_id, problems=list(v.problems)) for v in report.violations]
        return cls(ok=report.ok, users_checked=report.users_checked, violations=violations)


class QuarantinedEvent(Struct, kw_only=True):
    """An outbox message this release could not read; ``payload`` is as stored (any JSON value)."""

    id: int
    key: str
    kind: str
    user_id: int
    reason: str
    attempts: int
    created_at: Timestamp
    quarantined_at: Timestamp
    payload: JsonValue

    @classmethod
    def of(cls, m: QuarantinedMessage) -> QuarantinedEvent:
        return cls(
            id=m.id,
            key=m.key,
            kind=m.kind,
            user_id=m.user_id,
            reason=m.reason,
            attempts=m.attempts,
            created_at=m.created_at.isoformat(),
            quarantined_at=m.quarantined_at.isoformat(),
            payload=m.payload,
        )


class Quarantined(Struct, kw_only=True):
    items: list[QuarantinedEvent]
