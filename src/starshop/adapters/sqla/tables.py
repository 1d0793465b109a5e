"""The schema: users, balances, the transaction journal, the outbox, promo codes, referrals, the shop's settings,
alerts, the recharges' webhooks, broadcasts and orders waiting for a top-up (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)

from starshop.adapters.sqla.types import Amount, UtcDateTime
from starshop.domain import PREMIUM_MONTHS, OrderState, Product, PromoKind, TxStatus, TxType
from starshop.domain.broadcast import BroadcastStatus, RecipientState

# CHECK constraints have no convention: each is named in full where it is declared, here and in the migrations
# alike. A convention ``ck_%(table_name)s_%(constraint_name)s`` prefixed a full name a second time (migration 0001;
# 0003 renames what it created).
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _money_check(postgres: str, sqlite: str, *, name: str) -> tuple[CheckConstraint, CheckConstraint]:
    """A CHECK on money columns: plain SQL on Postgres; on SQLite, where money is text, the exact ``money_cmp``."""
    return (
        CheckConstraint(postgres, name=name).ddl_if(dialect="postgresql"),
        CheckConstraint(sqlite, name=name).ddl_if(dialect="sqlite"),
    )


TX_TYPES = [t.value for t in TxType]
TX_STATUSES = [s.value for s in TxStatus]
PAY_WITH = ["balance", "invoice"]
PRODUCTS = [p.value for p in Product]
# A purchase buys stars, or 3, 6 or 12 months of Telegram Premium; no other entry names a product.
PRODUCT_FIELDS = (
    "(type <> 'purchase' AND product IS NULL AND months IS NULL) OR (type = 'purchase' AND ("
    "(product = 'stars' AND months IS NULL AND stars IS NOT NULL)"
    f" OR (product = 'premium' AND stars IS NULL AND months IN ({', '.join(map(str, PREMIUM_MONTHS))}))))"
)

users = Table(
    "users",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("username", String(64)),
    Column("first_name", String(255)),
    Column("last_name", String(255)),
    Column("is_premium", Boolean, nullable=False, server_default=text("false")),
    Column("language_code", String(16)),
    Column("language", String(8)),  # the shop language the user chose (bot and storefront), if they chose one
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("blocked_at", UtcDateTime),  # a broadcast found the bot blocked: later broadcasts skip the user
)

balances = Table(
    "balances",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True),
    Column("amount", Amount, nullable=False, server_default=text("0")),
    Column("held", Amount, nullable=False, server_default=text("0")),
    Column("currency", String(8), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    *_money_check("amount >= 0", "money_cmp(amount, '0') >= 0", name="ck_balances_amount_not_negative"),
    *_money_check("held >= 0", "money_cmp(held, '0') >= 0", name="ck_balances_held_not_negative"),
    *_money_check("held <= amount", "money_cmp(held, amount) <= 0", name="ck_balances_held_within_amount"),
)

transactions = Table(
    "transactions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.user_id", ondelete="RESTRICT"), nullable=False, index=True),
    Column("type", String(16), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("amount", Amount, nullable=False),
    Column("currency", String(8), nullable=False),
    Column("description", Text, nullable=False, server_default=text("''")),
    Column("idempotency_key", String(128)),
    Column("request_fingerprint", String(255)),
    Column("flag", Text),
    Column("order_id", String(64), unique=True),
    Column("invoice_uuid", String(64), index=True),
    Column("invoice_url", Text),
    Column("invoice_expires_at", UtcDateTime),
    Column("invoice_amount", Amount),
    Column("expires_at", UtcDateTime),
    Column("gateway_status", String(32)),
    Column("checked_at", UtcDateTime),
    Column("purchase_id", String(32), index=True),
    Column("stars", Integer),
    Column("recipient", String(64)),
    Column("pay_with", String(16)),
    Column("funded", Boolean, nullable=False, server_default=text("false")),
    Column("attempt_started_at", UtcDateTime),
    Column("outcome_unknown", Boolean, nullable=False, server_default=text("false")),
    Column("receipt_ref", String(128)),
    Column("receipt_hash", String(128)),
    Column("receipt_cost", String(64)),
    Column("failure_reason", Text),
    Column("actor", BigInteger),
    Column("promo_code", String(32)),
    Column("discount", Amount),
    Column("reward_for", String(32)),
    Column("chat_message_id", BigInteger),  # the bot's message carrying a recharge's Pay button (migration 0010)
    Column("product", String(16)),
    Column("months", Integer),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("user_id", "idempotency_key"),
    CheckConstraint(_in("type", TX_TYPES), name="ck_transactions_type_valid"),
    CheckConstraint(_in("status", TX_STATUSES), name="ck_transactions_status_valid"),
    CheckConstraint(f"pay_with IS NULL OR {_in('pay_with', PAY_WITH)}", name="ck_transactions_pay_with_valid"),
    *_money_check(
        "amount > 0 OR (type = 'adjustment' AND amount <> 0)",
        "money_cmp(amount, '0') > 0 OR (type = 'adjustment' AND money_cmp(amount, '0') <> 0)",
        name="ck_transactions_amount_sign",
    ),
    CheckConstraint(
        "type <> 'purchase' OR (stars > 0 AND recipient IS NOT NULL)", name="ck_transactions_purchase_fields"
    ),
    CheckConstraint(PRODUCT_FIELDS, name="ck_transactions_product_fields"),
)

# The database's own guard: at most one purchase of the same stars for the same recipient is in flight.
Index(
    "uq_transactions_purchase_in_flight",
    func.lower(transactions.c.recipient),
    transactions.c.stars,
    unique=True,
    postgresql_where=text("type = 'purchase' AND status = 'processing'"),
    sqlite_where=text("type = 'purchase' AND status = 'processing'"),
)

# The same guard for Telegram Premium: at most one gift of the same months to the same recipient is in flight.
Index(
    "uq_transactions_premium_in_flight",
    func.lower(transactions.c.recipient),
    transactions.c.months,
    unique=True,
    postgresql_where=text("type = 'purchase' AND status = 'processing' AND product = 'premium'"),
    sqlite_where=text("type = 'purchase' AND status = 'processing' AND product = 'premium'"),
)

# The database's own guard: a purchase earns one referral reward at most.
Index("uq_transactions_reward_for", transactions.c.reward_for, unique=True)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("key", String(255), nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("leased_until", UtcDateTime),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UtcDateTime, nullable=False),
    # A row this release cannot decode (say an event kind from a newer release) is set aside, never claimed again.
    Column("quarantined_at", UtcDateTime),
    Column("quarantine_reason", Text),
)

promo_codes = Table(
    "promo_codes",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("currency", String(8), nullable=False),
    Column("amount", Amount),
    Column("percent", Amount),
    Column("max_discount", Amount),
    Column("max_uses", Integer),
    Column("uses", Integer, nullable=False, server_default=text("0")),
    Column("once_per_user", Boolean, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("disabled_at", UtcDateTime),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint(_in("kind", [k.value for k in PromoKind]), name="ck_promo_codes_kind_valid"),
    # the database's own guard: a code is never used more often than it may be
    CheckConstraint("uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)", name="ck_promo_codes_uses_within_max"),
)

promo_redemptions = Table(
    "promo_redemptions",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("code", String(32), ForeignKey("promo_codes.code", ondelete="RESTRICT"), nullable=False),
    Column("user_id", BigInteger, ForeignKey("users.user_id", ondelete="RESTRICT"), nullable=False),
    Column("tx_id", String(32), nullable=False, unique=True),
    Column("once_per_user", Boolean, nullable=False),
    Column("redeemed_at", UtcDateTime, nullable=False),
    Index(None, "code", "user_id"),
)

# The database's own guard: a code usable once per user has at most one use by each user.
Index(
    "uq_promo_redemptions_once_per_user",
    promo_redemptions.c.code,
    promo_redemptions.c.user_id,
    unique=True,
    postgresql_where=text("once_per_user"),
    sqlite_where=text("once_per_user"),
)

# Who invited whom: the primary key is the database's own guard that a user is attributed once.
referrals = Table(
    "referrals",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.user_id", ondelete="RESTRICT"), primary_key=True),
    Column("referrer_id", BigInteger, ForeignKey("users.user_id", ondelete="RESTRICT"), nullable=False, index=True),
    Column("attributed_at", UtcDateTime, nullable=False),
    CheckConstraint("user_id <> referrer_id", name="ck_referrals_not_self"),
)

# The shop's settings overrides: one row (``id = 1``) whose ``doc`` maps a setting's name to its stored text; an
# edit locks it, so edits and their audit rows are made one at a time.
shop_settings = Table(
    "shop_settings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("doc", JSON, nullable=False),
    Column("updated_at", UtcDateTime),
    Column("updated_by", String(64)),
    CheckConstraint("id = 1", name="ck_shop_settings_one_row"),
)

shop_settings_audit = Table(
    "shop_settings_audit",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("key", String(64), nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
)

# Alerts for operators: ``key`` makes each once (a fact's key, or a condition's crossing); the console lists them.
alerts = Table(
    "alerts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("key", String(255), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("raised_at", UtcDateTime, nullable=False),
    Column("cleared_at", UtcDateTime),
    Column("acknowledged_at", UtcDateTime),
    Column("acknowledged_by", BigInteger),
    Index(None, "kind", "subject"),
)

# Verified payment webhooks of our recharges, one row per distinct content (a repeat counts), at most
# ``WEBHOOKS_KEPT`` per recharge: only the gateway can sign them, and only for invoices we made.
payment_webhooks = Table(
    "payment_webhooks",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("tx_id", String(32), ForeignKey("transactions.id", ondelete="RESTRICT"), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("invoice_uuid", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("currency", String(8), nullable=False),
    Column("paid_amount", Amount),
    Column("outcome", String(32), nullable=False),
    Column("repeats", Integer, nullable=False, server_default=text("0")),
    Column("received_at", UtcDateTime, nullable=False),
    Column("last_received_at", UtcDateTime, nullable=False),
    UniqueConstraint("tx_id", "fingerprint"),
)

# An operator's message to many users; ``html`` is the checked message exactly as it is sent.
broadcasts = Table(
    "broadcasts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("fingerprint", String(64), nullable=False),
    Column("html", Text, nullable=False),
    Column("button_text", String(64)),
    Column("button_url", Text),
    Column("language", String(16)),
    Column("active_days", Integer),
    Column("with_balance", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("finished_at", UtcDateTime),
    CheckConstraint(_in("status", [s.value for s in BroadcastStatus]), name="ck_broadcasts_status_valid"),
)

# One row per recipient: the primary key is the database's own guard that a broadcast reaches a user once.
broadcast_recipients = Table(
    "broadcast_recipients",
    metadata,
    Column("broadcast_id", String(32), ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("claimed_at", UtcDateTime),
    Column("done_at", UtcDateTime),
    Column("error", Text),
    Index(None, "broadcast_id", "state", "user_id"),
    CheckConstraint(_in("state", [s.value for s in RecipientState]), name="ck_broadcast_recipients_state_valid"),
)

# An order refused for lack of money, waiting for the top-up of what was missing: one per recharge (its key).
waiting_orders = Table(
    "waiting_orders",
    metadata,
    Column("recharge_id", String(32), ForeignKey("transactions.id", ondelete="RESTRICT"), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.user_id", ondelete="RESTRICT"), nullable=False, index=True),
    Column("stars", Integer, nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("price", Amount, nullable=False),
    Column("currency", String(8), nullable=False),
    Column("state", String(16), nullable=False),
    Column("purchase_id", String(32)),
    Column("reason", String(32)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(_in("state", [s.value for s in OrderState]), name="ck_waiting_orders_state_valid"),
)

# The sweep's look for orders still waiting (ResumeWaitingOrders): only those, however many were placed or dropped.
Index(
    "ix_waiting_orders_waiting",
    waiting_orders.c.updated_at,
    postgresql_where=text("state = 'waiting'"),
    sqlite_where=text("state = 'waiting'"),
)
