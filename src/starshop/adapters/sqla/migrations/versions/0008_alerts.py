"""Alerts for operators (``alerts``) and the verified payment webhooks of each recharge (``payment_webhooks``).

Two new tables, nothing else changes: SQLite and Postgres create and drop them alike.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from starshop.adapters.sqla.types import Amount, UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False)


def upgrade() -> None:
    op.create_table(
        "alerts",
        _id(),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("raised_at", UtcDateTime(), nullable=False),
        sa.Column("cleared_at", UtcDateTime()),
        sa.Column("acknowledged_at", UtcDateTime()),
        sa.Column("acknowledged_by", sa.BigInteger()),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("key", name="uq_alerts_key"),
    )
    op.create_index("ix_alerts_kind_subject", "alerts", ["kind", "subject"])
    op.create_table(
        "payment_webhooks",
        _id(),
        sa.Column("tx_id", sa.String(32), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("invoice_uuid", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("amount", Amount(), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("paid_amount", Amount()),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("last_received_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payment_webhooks"),
        sa.ForeignKeyConstraint(
            ["tx_id"], ["transactions.id"], name="fk_payment_webhooks_tx_id_transactions", ondelete="RESTRICT"
        ),
        sa.UniqueConstraint("tx_id", "fingerprint", name="uq_payment_webhooks_tx_id_fingerprint"),
    )


def downgrade() -> None:
    op.drop_table("payment_webhooks")
    op.drop_index("ix_alerts_kind_subject", "alerts")
    op.drop_table("alerts")
