"""Referrals: the ``referrals`` table (one referrer per user), the ``referral`` entry type, and the purchase a
reward is for (``transactions.reward_for``, unique: a purchase earns one reward at most).

The type CHECK gains ``referral`` as 0004 gave it ``promo`` (SQLite rebuilds ``transactions``). A downgrade refuses to
run while a ``referral`` entry exists, rather than lose money from the journal.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from starshop.adapters.sqla.migrations.sqlite_rebuild import rebuild_table
from starshop.adapters.sqla.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BEFORE = ["recharge", "purchase", "refund", "bonus", "adjustment", "promo"]
AFTER = [*BEFORE, "referral"]
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
        "referrals",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("referrer_id", sa.BigInteger(), nullable=False),
        sa.Column("attributed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_referrals"),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name="fk_referrals_user_id_users", ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["referrer_id"], ["users.user_id"], name="fk_referrals_referrer_id_users", ondelete="RESTRICT"
        ),
        sa.CheckConstraint("user_id <> referrer_id", name="ck_referrals_not_self"),
    )
    op.create_index("ix_referrals_referrer_id", "referrals", ["referrer_id"])
    op.add_column("transactions", sa.Column("reward_for", sa.String(32)))
    # a unique index rather than a constraint, so SQLite adds it without rebuilding the table (same name as the
    # table's ``unique=True`` under the naming convention)
    op.create_index("uq_transactions_reward_for", "transactions", ["reward_for"], unique=True)
    set_type_check(BEFORE, AFTER)


def downgrade() -> None:
    found = op.get_bind().execute(sa.text("SELECT count(*) FROM transactions WHERE type = 'referral'")).scalar_one()
    if found:
        msg = f"{found} referral entries are in the journal: a downgrade would lose them"
        raise RuntimeError(msg)
    set_type_check(AFTER, BEFORE)
    op.drop_index("uq_transactions_reward_for", "transactions")
    op.execute("ALTER TABLE transactions DROP COLUMN reward_for")  # SQLite too (3.35 and later)
    op.drop_index("ix_referrals_referrer_id", "referrals")
    op.drop_table("referrals")
