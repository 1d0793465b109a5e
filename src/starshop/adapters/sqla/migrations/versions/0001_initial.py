"""Initial schema: users, balances, transactions, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Money: exact NUMERIC on Postgres; integer units of 10^-9 on SQLite (see starshop.adapters.sqla.types.Amount).
AMOUNT = sa.Numeric(20, 9).with_variant(sa.BigInteger(), "sqlite")
TS = sa.DateTime(timezone=True)
TYPES = "'recharge', 'purchase', 'refund', 'bonus', 'adjustment'"
STATUSES = "'pending', 'processing', 'completed', 'failed', 'cancelled', 'expired'"
IN_FLIGHT = "type = 'purchase' AND status = 'processing'"
# The CHECK names as this migration has always created them: the naming convention of its day prefixed the full
# names given here a second time. Spelled out, so the migration does what it always did; 0003 renames them.


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(64)),
        sa.Column("first_name", sa.String(255)),
        sa.Column("last_name", sa.String(255)),
        sa.Column("is_premium", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("language_code", sa.String(16)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_users"),
    )
    op.create_table(
        "balances",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", AMOUNT, server_default=sa.text("0"), nullable=False),
        sa.Column("held", AMOUNT, server_default=sa.text("0"), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("amount >= 0", name="ck_balances_ck_balances_amount_not_negative"),
        sa.CheckConstraint("held >= 0", name="ck_balances_ck_balances_held_not_negative"),
        sa.CheckConstraint("held <= amount", name="ck_balances_ck_balances_held_within_amount"),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name="fk_balances_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name="pk_balances"),
    )
    op.create_table(
        "transactions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("description", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("idempotency_key", sa.String(128)),
        sa.Column("request_fingerprint", sa.String(255)),
        sa.Column("flag", sa.Text()),
        sa.Column("order_id", sa.String(64)),
        sa.Column("invoice_uuid", sa.String(64)),
        sa.Column("invoice_url", sa.Text()),
        sa.Column("invoice_expires_at", TS),
        sa.Column("invoice_amount", AMOUNT),
        sa.Column("expires_at", TS),
        sa.Column("gateway_status", sa.String(32)),
        sa.Column("checked_at", TS),
        sa.Column("purchase_id", sa.String(32)),
        sa.Column("stars", sa.Integer()),
        sa.Column("recipient", sa.String(64)),
        sa.Column("pay_with", sa.String(16)),
        sa.Column("funded", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("attempt_started_at", TS),
        sa.Column("outcome_unknown", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("receipt_ref", sa.String(128)),
        sa.Column("receipt_hash", sa.String(128)),
        sa.Column("receipt_cost", sa.String(64)),
        sa.Column("failure_reason", sa.Text()),
        sa.Column("actor", sa.BigInteger()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(f"type IN ({TYPES})", name="ck_transactions_ck_transactions_type_valid"),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="ck_transactions_ck_transactions_status_valid"),
        sa.CheckConstraint(
            "pay_with IS NULL OR pay_with IN ('balance', 'invoice')",
            name="ck_transactions_ck_transactions_pay_with_valid",
        ),
        sa.CheckConstraint(
            "amount > 0 OR (type = 'adjustment' AND amount <> 0)", name="ck_transactions_ck_transactions_amount_sign"
        ),
        sa.CheckConstraint(
            "type <> 'purchase' OR (stars > 0 AND recipient IS NOT NULL)",
            name="ck_transactions_ck_transactions_purchase_fields",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name="fk_transactions_user_id_users", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_transactions"),
        sa.UniqueConstraint("order_id", name="uq_transactions_order_id"),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_transactions_user_id_idempotency_key"),
    )
    op.create_index("ix_transactions_user_id", "transactions", ["user_id"])
    op.create_index("ix_transactions_status", "transactions", ["status"])
    op.create_index("ix_transactions_created_at", "transactions", ["created_at"])
    op.create_index("ix_transactions_invoice_uuid", "transactions", ["invoice_uuid"])
    op.create_index("ix_transactions_purchase_id", "transactions", ["purchase_id"])
    op.create_index(
        "uq_transactions_purchase_in_flight",
        "transactions",
        [sa.text("lower(recipient)"), "stars"],
        unique=True,
        postgresql_where=sa.text(IN_FLIGHT),
        sqlite_where=sa.text(IN_FLIGHT),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("leased_until", TS),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
    )


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_index("uq_transactions_purchase_in_flight", table_name="transactions")
    for name in ("purchase_id", "invoice_uuid", "created_at", "status", "user_id"):
        op.drop_index(f"ix_transactions_{name}", table_name="transactions")
    op.drop_table("transactions")
    op.drop_table("balances")
    op.drop_table("users")
