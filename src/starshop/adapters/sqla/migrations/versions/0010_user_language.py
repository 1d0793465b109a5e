"""The user's chosen language (``users.language``, shared by the bot and the storefront), the orders waiting
for a top-up (``waiting_orders``: an order refused for lack of money, placed once the top-up of what was missing
is credited; one per recharge), and the bot's message carrying a recharge's Pay button
(``transactions.chat_message_id``: edited when the invoice expires or is cancelled).

All are additions: SQLite adds the column and the table without rebuilding anything.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from starshop.adapters.sqla.types import Amount, UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.String(8)))
    op.add_column("transactions", sa.Column("chat_message_id", sa.BigInteger()))
    op.create_table(
        "waiting_orders",
        sa.Column("recharge_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("price", Amount(), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("purchase_id", sa.String(32)),
        sa.Column("reason", sa.String(32)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("recharge_id", name="pk_waiting_orders"),
        sa.ForeignKeyConstraint(
            ["recharge_id"], ["transactions.id"], name="fk_waiting_orders_recharge_id_transactions", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name="fk_waiting_orders_user_id_users", ondelete="RESTRICT"
        ),
        sa.CheckConstraint("state IN ('waiting', 'placed', 'dropped')", name="ck_waiting_orders_state_valid"),
    )
    op.create_index("ix_waiting_orders_user_id", "waiting_orders", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_waiting_orders_user_id", "waiting_orders")
    op.drop_table("waiting_orders")
    op.execute("ALTER TABLE transactions DROP COLUMN chat_message_id")  # SQLite too (3.35 and later)
    op.execute("ALTER TABLE users DROP COLUMN language")
