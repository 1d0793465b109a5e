"""Shop settings at run time: ``shop_settings`` (one row, ``id = 1``, whose ``doc`` maps a setting to its stored
text: the operator's overrides of the configured defaults) and ``shop_settings_audit`` (who changed which setting,
when, from what to what). New tables only: SQLite needs no rebuild.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from starshop.adapters.sqla.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    settings = op.create_table(
        "shop_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_shop_settings"),
        sa.CheckConstraint("id = 1", name="ck_shop_settings_one_row"),
    )
    op.bulk_insert(settings, [{"id": 1, "doc": {}}])
    op.create_table(
        "shop_settings_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_shop_settings_audit"),
    )


def downgrade() -> None:
    op.drop_table("shop_settings_audit")
    op.drop_table("shop_settings")
