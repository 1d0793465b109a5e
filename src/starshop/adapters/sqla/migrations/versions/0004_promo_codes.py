"""Promo codes: the ``promo_codes`` and ``promo_redemptions`` tables, the ``promo`` entry type, and the code and
discount a transaction carries.

The transactions' type CHECK gains ``promo``: Postgres drops and adds it; SQLite keeps it in the table's stored
DDL, so ``transactions`` is rebuilt from it (the recipe 0002 and 0003 use). A downgrade refuses to run while a
``promo`` entry exists, rather than lose money from the journal.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from starshop.adapters.sqla.migrations.sqlite_rebuild import rebuild_table
from starshop.adapters.sqla.types import Amount, UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BEFORE = ["recharge", "purchase", "refund", "bonus", "adjustment"]
AFTER = [*BEFORE, "promo"]
CHECK = "ck_transactions_type_valid"


def _type_check(types: list[str]) -> str:
    return f"type IN ({', '.join(repr(t) for t in types)})"


def set_type_check(old: list[str], new: list[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        rebuild_table("transactions", {}, [(f"CHECK ({_type_check(old)})", f"CHECK ({_type_check(new)})")])
    else:
        op.drop_constraint(CHECK, "transactions", type_="check")
        op.create_check_constraint(CHECK, "transactions", _type_check(new))


def upgrade() -> None:
    op.create_table(
        "promo_codes",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("amount", Amount()),
        sa.Column("percent", Amount()),
        sa.Column("max_discount", Amount()),
        sa.Column("max_uses", sa.Integer()),
        sa.Column("uses", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("once_per_user", sa.Boolean(), nullable=False),
        sa.Column("expires_at", UtcDateTime()),
        sa.Column("disabled_at", UtcDateTime()),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_promo_codes"),
        sa.CheckConstraint("kind IN ('bonus', 'discount')", name="ck_promo_codes_kind_valid"),
        sa.CheckConstraint(
            "uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)", name="ck_promo_codes_uses_within_max"
        ),
    )
    op.create_table(
        "promo_redemptions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("tx_id", sa.String(32), nullable=False),
        sa.Column("once_per_user", sa.Boolean(), nullable=False),
        sa.Column("redeemed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_promo_redemptions"),
        sa.ForeignKeyConstraint(
            ["code"], ["promo_codes.code"], name="fk_promo_redemptions_code_promo_codes", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name="fk_promo_redemptions_user_id_users", ondelete="RESTRICT"
        ),
        sa.UniqueConstraint("tx_id", name="uq_promo_redemptions_tx_id"),
    )
    op.create_index("ix_promo_redemptions_code_user_id", "promo_redemptions", ["code", "user_id"])
    op.create_index(
        "uq_promo_redemptions_once_per_user",
        "promo_redemptions",
        ["code", "user_id"],
        unique=True,
        postgresql_where=sa.text("once_per_user"),
        sqlite_where=sa.text("once_per_user"),
    )
    op.add_column("transactions", sa.Column("promo_code", sa.String(32)))
    op.add_column("transactions", sa.Column("discount", Amount()))
    set_type_check(BEFORE, AFTER)


def downgrade() -> None:
    found = op.get_bind().execute(sa.text("SELECT count(*) FROM transactions WHERE type = 'promo'")).scalar_one()
    if found:
        msg = f"{found} promo entries are in the journal: a downgrade would lose them"
        raise RuntimeError(msg)
    set_type_check(AFTER, BEFORE)
    for column in ("discount", "promo_code"):
        op.execute(f"ALTER TABLE transactions DROP COLUMN {column}")  # SQLite too (3.35 and later)
    op.drop_index("uq_promo_redemptions_once_per_user", "promo_redemptions")
    op.drop_index("ix_promo_redemptions_code_user_id", "promo_redemptions")
    op.drop_table("promo_redemptions")
    op.drop_table("promo_codes")
