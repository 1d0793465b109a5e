"""What the API answers, as typed bodies (the OpenAPI schema documents them). Money travels as decimal strings.

A field left ``UNSET`` is omitted from the JSON: a transaction that is no purchase has no ``product``, ``stars``,
``months``, ``recipient``, ``pay_with`` or ``delivery_unknown`` (a star purchase has no ``months``, a Premium one no
``stars``), one without an invoice no ``invoice_url``; ``None`` is sent as ``null``.
Fields are encoded in the order they are declared here.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType, field

from starshop import domain
from starshop.application.config import ShopConfig
from starshop.application.ports import QuarantinedMessage, ReceivedWebhook, Released, SettingsAuditPage
from starshop.application.use_cases.audit_ledger import AuditReport
from starshop.application.use_cases.expire_stale_invoices import InvoiceReconciliation
from starshop.application.use_cases.get_referrals import ReferralSummary
from starshop.application.use_cases.get_shop_activity import PeriodFigures, ShopActivity
from starshop.application.use_cases.look_up_purchase import PurchaseLookup
from starshop.application.use_cases.preview_broadcast import Preview
from starshop.application.use_cases.quote_stars import Quote as StarsQuote
from starshop.application.use_cases.reconcile_purchases import PurchaseReconciliation
from starshop.application.use_cases.register_user import TelegramProfile
from starshop.domain import broadcast as broadcasts

Decimal = Annotated[str, Meta(description='an exact decimal string, e.g. "10.50"')]
Timestamp = Annotated[str, Meta(description="ISO 8601 with its UTC offset")]
Day = Annotated[str, Meta(description="a UTC calendar day, YYYY-MM-DD")]
JsonValue = Annotated[
    object, Meta(extra_json_schema={"title": "JsonValue", "description": "any JSON value, as it was stored"})
]
STAR_AMOUNTS = (50, 100, 250, 500, 1000)  # the quick amounts, as the bot offers them
RECHARGE_AMOUNTS = (D(5), D(10), D(25), D(50), D(100))
TxType = Literal["recharge", "purchase", "refund", "bonus", "adjustment", "promo", "referral"]
TxStatus = Literal["pending", "processing", "completed", "failed", "cancelled", "expired"]
Product = Annotated[
    Literal["stars", "premium"], Meta(description="what a purchase buys: stars, or months of Telegram Premium")
]


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
    """``language``: the one the user chose (in the bot or the storefront), ``null`` until they choose."""

    user_id: int
    username: str | None
    first_name: str | None
    language_code: str | None
    language: str | None
    balance: Balance

    @classmethod
    def of(cls, profile: TelegramProfile, balance: domain.Balance, language: str | None) -> Me:
        return cls(
            user_id=profile.user_id,
            username=profile.username,
            first_name=profile.first_name,
            language_code=profile.language_code,
            language=language,
            balance=Balance.of(balance),
        )


class Language(Struct, kw_only=True):
    """The language the user chose; the bot speaks it too."""

    language: str


class Referrals(Struct, kw_only=True):
    """The caller's referral code and link, how many users it brought, and what their purchases earned."""

    code: str
    link: str | None  # null when the shop runs without a bot, or Telegram did not tell the bot's name in time
    start_param: str
    invited: int
    earned: Decimal
    currency: str
    percent: Decimal

    @classmethod
    def of(cls, summary: ReferralSummary, bot_username: str | None) -> Referrals:
        start = f"{domain.START_PREFIX}{summary.code}"
        return cls(
            code=summary.code,
            link=f"https://t.me/{bot_username}?start={start}" if bot_username else None,
            start_param=start,
            invited=summary.invited,
            earned=money(summary.earned),
            currency=summary.earned.currency.code,
            percent=str(summary.percent),
        )


class Quote(Struct, kw_only=True):
    """The price of ``stars`` (a star quote) or of ``months`` of Telegram Premium (a Premium quote)."""

    product: Product
    stars: int | UnsetType = UNSET
    months: int | UnsetType = UNSET
    price: Decimal
    currency: str
    price_per_star: Decimal
    markup: Decimal
    promo_code: str | UnsetType = UNSET
    discount: Decimal | UnsetType = UNSET
    sales_paused: bool = False
    maintenance_message: str | UnsetType = UNSET

    @classmethod
    def of(cls, quote: StarsQuote) -> Quote:
        """With a discount code, ``price`` is what is left to pay after ``discount``. In maintenance the quote is
        still given, with ``sales_paused`` and the operator's ``maintenance_message``."""
        extra: dict[str, Any] = {}
        if quote.promo_code is not None and quote.discount is not None:
            extra = {"promo_code": quote.promo_code, "discount": money(quote.discount)}
        if quote.paused_message is not None:
            extra |= {"sales_paused": True, "maintenance_message": quote.paused_message}
        if quote.stars is not None:
            extra["stars"] = quote.stars
        if quote.months is not None:
            extra["months"] = quote.months
        return cls(
            product=quote.product.value,
            price=money(quote.price),
            currency=quote.price.currency.code,
            price_per_star=format(quote.price_per_star, "f"),
            markup=format(quote.markup, "f"),
            **extra,
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
    product: Product | UnsetType = UNSET
    stars: int | UnsetType = UNSET
    months: Annotated[int, Meta(description="months of Telegram Premium a Premium purchase gives")] | UnsetType = UNSET
    recipient: str | UnsetType | None = UNSET
    pay_with: Literal["balance", "invoice"] | UnsetType | None = UNSET
    delivery_unknown: bool | UnsetType = UNSET
    invoice_url: str | UnsetType = UNSET
    reference: Annotated[str, Meta(description="the provider's reference of a delivered purchase")] | UnsetType = UNSET
    reason: Annotated[str, Meta(description="why a purchase was refused")] | UnsetType = UNSET
    promo_code: str | UnsetType = UNSET
    discount: Decimal | UnsetType = UNSET

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
    invoice_uuid: str | None
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
            invoice_uuid=tx.invoice.uuid if tx.invoice is not None else None,
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
    purchase = tx.type is domain.TxType.PURCHASE
    if purchase:
        fields["product"] = tx.product.value
        fields |= {"stars": tx.stars} if tx.stars is not None else {"months": tx.months}
        fields |= {
            "recipient": tx.recipient,
            "pay_with": tx.pay_with and tx.pay_with.value,
            "delivery_unknown": tx.outcome_unknown,
        }
    if invoice_url is not None:
        fields["invoice_url"] = invoice_url
    elif tx.invoice is not None:
        fields["invoice_url"] = tx.invoice.url
    if purchase and tx.status is domain.TxStatus.COMPLETED and tx.receipt is not None:
        fields["reference"] = tx.receipt.ref_id
    if purchase and tx.status is domain.TxStatus.FAILED and tx.failure_reason:
        fields["reason"] = tx.failure_reason
    if tx.promo_code is not None:
        fields["promo_code"] = tx.promo_code
    if tx.discount is not None:
        fields["discount"] = money(tx.discount)
    return fields


class PremiumOption(Struct, kw_only=True):
    """Telegram Premium for ``months``, at ``price``."""

    months: int
    price: Decimal


class ShopInfo(Struct, kw_only=True):
    """What a storefront needs to draw its forms: the bounds the API enforces, the amounts it suggests, and the
    Telegram Premium gifts on sale (none when Premium is not sold)."""

    currency: str
    min_stars: int
    max_stars: int
    star_amounts: list[int]
    min_recharge: Decimal
    max_recharge: Decimal
    recharge_amounts: list[Decimal]
    price_per_star: Decimal
    markup: Decimal
    sales_paused: bool
    maintenance_message: str | None  # the operator's message while sales are paused, else null
    premium: list[PremiumOption]

    @classmethod
    def of(cls, settings: domain.ShopSettings, config: ShopConfig) -> ShopInfo:
        low, high = config.min_recharge.amount, config.max_recharge.amount
        policy, premium = settings.policy, settings.premium
        return cls(
            currency=config.currency.code,
            min_stars=policy.min_stars,
            max_stars=policy.max_stars,
            star_amounts=[n for n in STAR_AMOUNTS if policy.min_stars <= n <= policy.max_stars],
            min_recharge=money(config.min_recharge),
            max_recharge=money(config.max_recharge),
            recharge_amounts=[format(a, "f") for a in RECHARGE_AMOUNTS if low <= a <= high],
            price_per_star=format(policy.price_per_star, "f"),
            markup=format(policy.markup, "f"),
            sales_paused=settings.maintenance,
            maintenance_message=settings.maintenance_message if settings.maintenance else None,
            premium=[PremiumOption(months=m, price=money(premium.price(m))) for m in premium.offered],
        )


class SettingValues(Struct, kw_only=True):
    """Every shop setting an operator can change at run time. ``wallet_floor`` null: no floor; ``premium_prices``
    ``3:12.99,6:16.99`` (months:price), ``""``: Telegram Premium is not sold."""

    price_per_star: Decimal
    markup: Decimal
    min_stars: int
    max_stars: int
    wallet_floor: Decimal | None
    maintenance: bool
    maintenance_message: str
    premium_prices: str


def _plain(value: D | None) -> str | None:
    return None if value is None else format(value, "f")


SettingName = Literal[
    "price_per_star",
    "markup",
    "min_stars",
    "max_stars",
    "wallet_floor",
    "maintenance",
    "maintenance_message",
    "premium_prices",
]


class ShopSettings(Struct, kw_only=True):
    """The settings in force (``values``), the configured ones they fall back to (``defaults``, the ``STARSHOP_*``
    values) and which are set at run time (``overridden``)."""

    values: SettingValues
    defaults: SettingValues
    overridden: list[SettingName]

    @classmethod
    def of(cls, settings: domain.ShopSettings) -> ShopSettings:
        configured = domain.ShopSettings.of(settings.defaults, domain.Overrides())  # nothing set at run time
        return cls(
            values=_values(settings),
            defaults=_values(configured),
            overridden=[k.value for k in settings.overrides.overridden],
        )


def _values(settings: domain.ShopSettings) -> SettingValues:
    return SettingValues(
        price_per_star=format(settings.policy.price_per_star, "f"),
        markup=format(settings.policy.markup, "f"),
        min_stars=settings.policy.min_stars,
        max_stars=settings.policy.max_stars,
        wallet_floor=_plain(settings.wallet_floor),
        maintenance=settings.maintenance,
        maintenance_message=settings.maintenance_message,
        premium_prices=settings.premium.text,
    )


class SettingsAuditEntry(Struct, kw_only=True):
    """One setting changed: ``old``/``new`` as stored, null meaning not set (the default applied)."""

    at: Timestamp
    actor: str
    key: str
    old: str | None
    new: str | None


class SettingsAudit(Struct, kw_only=True):
    items: list[SettingsAuditEntry]
    total: int
    offset: int
    limit: int

    @classmethod
    def of(cls, page: SettingsAuditPage, *, offset: int, limit: int) -> SettingsAudit:
        items = [
            SettingsAuditEntry(at=e.at.isoformat(), actor=e.actor, key=e.key, old=e.old, new=e.new) for e in page.items
        ]
        return cls(items=items, total=page.total, offset=offset, limit=limit)


class History(Struct, kw_only=True):
    items: list[Transaction]
    total: int
    page: int
    page_size: int


class TransactionPage(Struct, kw_only=True):
    items: list[OperatorTransaction]
    total: int
    page: int


class Users(Struct, kw_only=True):
    items: list[User]


class User(Struct, kw_only=True):
    user_id: int
    username: str | None
    first_name: str | None
    last_name: str | None
    language_code: str | None
    created_at: Timestamp
    blocked_at: Annotated[Timestamp | None, Meta(description="when a broadcast found the bot blocked by them")]
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
            blocked_at=user.blocked_at.isoformat() if user.blocked_at else None,
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


class Release(Struct, kw_only=True):
    """``released``: back in the outbox for the relay; ``waiting``: it was not set aside (nothing changed)."""

    id: int
    state: Literal["released", "waiting"]

    @classmethod
    def of(cls, message_id: int, released: Released) -> Release:
        return cls(id=message_id, state="released" if released is Released.RELEASED else "waiting")


AlertKind = Literal["flagged", "contradicting_outcome", "wallet_low", "outbox_quarantined", "circuit_open"]


class Alert(Struct, kw_only=True):
    """An alert for operators. ``subject``: the transaction, provider or outbox message it is about; ``cleared_at``:
    when its condition ended (a wallet back above its floor, a breaker closed); ``acknowledged_*``: who saw it."""

    id: int
    kind: AlertKind
    subject: str
    text: str
    user_id: int
    raised_at: Timestamp
    cleared_at: Timestamp | None
    acknowledged_at: Timestamp | None
    acknowledged_by: int | None

    @classmethod
    def of(cls, a: domain.Alert) -> Alert:
        return cls(
            id=a.id,
            kind=a.kind.value,
            subject=a.subject,
            text=a.text,
            user_id=a.user_id,
            raised_at=a.raised_at.isoformat(),
            cleared_at=None if a.cleared_at is None else a.cleared_at.isoformat(),
            acknowledged_at=None if a.acknowledged_at is None else a.acknowledged_at.isoformat(),
            acknowledged_by=a.acknowledged_by,
        )


class Alerts(Struct, kw_only=True):
    items: list[Alert]


class Webhook(Struct, kw_only=True):
    """A verified payment webhook as received. ``signature`` is always ``valid``: refused ones are not kept.
    ``outcome``: what applying it did the first time; ``applied``: it changed the recharge; ``repeats``: how many
    more times the same content came (retries, replays), the last at ``last_received_at``."""

    received_at: Timestamp
    last_received_at: Timestamp
    status: str
    amount: Decimal
    paid_amount: Decimal | None
    currency: str
    invoice_uuid: str
    signature: Literal["valid"] = "valid"
    outcome: str
    applied: bool
    duplicate: bool
    repeats: int

    @classmethod
    def of(cls, w: ReceivedWebhook) -> Webhook:
        return cls(
            received_at=w.received_at.isoformat(),
            last_received_at=w.last_received_at.isoformat(),
            status=w.status,
            amount=money(w.amount),
            paid_amount=None if w.paid_amount is None else money(w.paid_amount),
            currency=w.amount.currency.code,
            invoice_uuid=w.invoice_uuid,
            outcome=w.outcome,
            applied=w.outcome not in ("duplicate", "ignored", "mismatch", "unknown_order"),
            duplicate=w.outcome == "duplicate" or w.repeats > 0,
            repeats=w.repeats,
        )


class RechargeWebhooks(Struct, kw_only=True):
    """A recharge and the verified webhooks received for it, in the order they first arrived."""

    recharge: OperatorTransaction
    webhooks: list[Webhook]

    @classmethod
    def of(cls, tx: domain.Transaction, webhooks: list[ReceivedWebhook]) -> RechargeWebhooks:
        return cls(recharge=OperatorTransaction.of(tx), webhooks=[Webhook.of(w) for w in webhooks])


class FlaggedRecharges(Struct, kw_only=True):
    items: list[RechargeWebhooks]


class Figures(Struct, kw_only=True):
    """What happened in a period, by when each row was created: money and stars of completed recharges and
    purchases, purchases by their status now, users registered, distinct users who recharged or bought."""

    recharged: Decimal
    sales: Decimal
    stars: int
    purchases: dict[TxStatus, int]
    new_users: int
    active_users: int

    @classmethod
    def fields_of(cls, f: PeriodFigures) -> dict[str, Any]:
        return {
            "recharged": money(f.recharged),
            "sales": money(f.sales),
            "stars": f.stars,
            "purchases": dict(f.purchases_by_status),
            "new_users": f.new_users,
            "active_users": f.active_users,
        }


class StatsPeriod(Struct, kw_only=True):
    """One day or week of the range (a week the range cuts is clipped to it), with its figures."""

    first: Day = field(name="from")
    last: Day = field(name="to")
    recharged: Decimal
    sales: Decimal
    stars: int
    purchases: dict[TxStatus, int]
    new_users: int
    active_users: int


class Stats(Struct, kw_only=True):
    """The shop's activity from ``from`` to ``to`` (UTC days, both included) in periods of a ``bucket``; the
    totals' ``active_users`` counts each user once over the whole range."""

    first: Day = field(name="from")
    last: Day = field(name="to")
    bucket: Literal["day", "week"]
    timezone: Literal["UTC"] = "UTC"
    currency: str
    totals: Figures
    series: list[StatsPeriod]

    @classmethod
    def of(cls, activity: ShopActivity) -> Stats:
        return cls(
            first=activity.first.isoformat(),
            last=activity.last.isoformat(),
            bucket=activity.bucket.value,
            currency=activity.totals.recharged.currency.code,
            totals=Figures(**Figures.fields_of(activity.totals)),
            series=[
                StatsPeriod(first=p.first.isoformat(), last=p.last.isoformat(), **Figures.fields_of(p.figures))
                for p in activity.periods
            ],
        )


class ProviderLookup(Struct, kw_only=True):
    """What the provider shows for a purchase: its ``order`` (``null``: none) and whether an operator may settle the
    purchase now (``settleable``; ``why_not`` says why not). With an order, only ``delivered`` with its ``ref_id``
    is accepted; without one, only ``refused``."""

    purchase: OperatorTransaction
    order: Receipt | None
    settleable: bool
    why_not: str | None
    accepted_verdict: Literal["delivered", "refused"]

    @classmethod
    def of(cls, lookup: PurchaseLookup) -> ProviderLookup:
        found = lookup.order
        order = None if found is None else Receipt(ref_id=found.ref_id, tx_hash=found.tx_hash, cost=found.cost)
        return cls(
            purchase=OperatorTransaction.of(lookup.purchase),
            order=order,
            settleable=lookup.settle_refusal is None,
            why_not=lookup.settle_refusal,
            accepted_verdict="refused" if found is None else "delivered",
        )


class PromoCode(Struct, kw_only=True):
    """A promo code as operators see it. A bonus code has ``amount``; a discount code ``percent`` and its cap
    ``max_discount``. ``max_uses`` ``null`` is unlimited."""

    code: str
    kind: Literal["bonus", "discount"]
    currency: str
    amount: Decimal | None
    percent: Decimal | None
    max_discount: Decimal | None
    max_uses: int | None
    uses: int
    once_per_user: bool
    expires_at: Timestamp | None
    disabled_at: Timestamp | None
    created_at: Timestamp

    @classmethod
    def of(cls, code: domain.PromoCode) -> PromoCode:
        some = code.amount or code.max_discount
        assert some is not None  # every code has one or the other
        return cls(
            code=code.code,
            kind=code.kind.value,
            currency=some.currency.code,
            amount=money(code.amount) if code.amount else None,
            percent=format(code.percent, "f") if code.percent is not None else None,
            max_discount=money(code.max_discount) if code.max_discount else None,
            max_uses=code.max_uses,
            uses=code.uses,
            once_per_user=code.once_per_user,
            expires_at=code.expires_at.isoformat() if code.expires_at else None,
            disabled_at=code.disabled_at.isoformat() if code.disabled_at else None,
            created_at=code.created_at.isoformat(),
        )


class PromoCodes(Struct, kw_only=True):
    items: list[PromoCode]
    offset: int
    limit: int


class BroadcastButton(Struct, kw_only=True):
    text: str
    url: str


class BroadcastSegment(Struct, kw_only=True):
    """Who a broadcast reaches; ``null`` (or false) is a criterion left off."""

    language: str | None
    active_days: int | None
    with_balance: bool


class BroadcastProgress(Struct, kw_only=True):
    """Recipients by state: ``sending`` is on its way; ``unknown`` was on its way when a worker died (never sent
    again)."""

    total: int
    pending: int
    sending: int
    sent: int
    failed: int
    blocked: int
    unknown: int


def _message(message: broadcasts.Message) -> dict[str, Any]:
    button = message.button
    return {
        "html": message.html,
        "text": message.plain,
        "button": BroadcastButton(text=button.text, url=button.url) if button else None,
    }


class Broadcast(Struct, kw_only=True):
    """A broadcast: ``html`` exactly as it is sent (checked and re-serialised), ``text`` without markup."""

    id: str
    status: Literal["sending", "done", "cancelled"]
    html: str
    text: str
    button: BroadcastButton | None
    segment: BroadcastSegment
    created_by: int
    created_at: Timestamp
    finished_at: Timestamp | None
    progress: BroadcastProgress

    @classmethod
    def of(cls, b: broadcasts.Broadcast) -> Broadcast:
        s = b.segment
        return cls(
            id=b.id,
            status=b.status.value,
            **_message(b.message),
            segment=BroadcastSegment(language=s.language, active_days=s.active_days, with_balance=s.with_balance),
            created_by=b.created_by,
            created_at=b.created_at.isoformat(),
            finished_at=b.finished_at.isoformat() if b.finished_at else None,
            progress=BroadcastProgress(**{f: getattr(b.progress, f) for f in BroadcastProgress.__struct_fields__}),
        )


class Broadcasts(Struct, kw_only=True):
    items: list[Broadcast]
    offset: int
    limit: int


class BroadcastPreview(Struct, kw_only=True):
    """What a broadcast would send, and how many users it would reach now."""

    html: str
    text: str
    button: BroadcastButton | None
    recipients: int

    @classmethod
    def of(cls, preview: Preview) -> BroadcastPreview:
        return cls(**_message(preview.message), recipients=preview.recipients)
