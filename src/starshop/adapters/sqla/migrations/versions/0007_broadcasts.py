"""Broadcasts: the ``broadcasts`` table, one ``broadcast_recipients`` row per user a broadcast reaches (its state:
pending, sending, sent, failed, blocked, unknown), and ``users.blocked_at`` (the bot found blocked).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from starshop.adapters.sqla.types import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

STATUSES = ["sending", "done", "cancelled"]
STATES = ["pending", "sending", "sent", "failed", "blocked", "unknown"]


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.add_column("users", sa.Column("blocked_at", UtcDateTime()))
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("button_text", sa.String(64)),
        sa.Column("button_url", sa.Text()),
        sa.Column("language", sa.String(16)),
        sa.Column("active_days", sa.Integer()),
        sa.Column("with_balance", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_broadcasts"),
        sa.UniqueConstraint("idempotency_key", name="uq_broadcasts_idempotency_key"),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_broadcasts_status_valid"),
    )
    op.create_index("ix_broadcasts_created_at", "broadcasts", ["created_at"])
    op.create_table(
        "broadcast_recipients",
        sa.Column("broadcast_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("claimed_at", UtcDateTime()),
        sa.Column("done_at", UtcDateTime()),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("broadcast_id", "user_id", name="pk_broadcast_recipients"),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name="fk_broadcast_recipients_broadcast_id_broadcasts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name="fk_broadcast_recipients_user_id_users", ondelete="CASCADE"
        ),
        sa.CheckConstraint(_in("state", STATES), name="ck_broadcast_recipients_state_valid"),
    )
    op.create_index(
        "ix_broadcast_recipients_broadcast_id_state_user_id",
        "broadcast_recipients",
        ["broadcast_id", "state", "user_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_broadcast_recipients_broadcast_id_state_user_id", "broadcast_recipients")
    op.drop_table("broadcast_recipients")
    op.drop_index("ix_broadcasts_created_at", "broadcasts")
    op.drop_table("broadcasts")
    op.execute("ALTER TABLE users DROP COLUMN blocked_at")  # SQLite too (3.35 and later)
