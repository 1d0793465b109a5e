"""Telegram Premium gifts: what a purchase buys (``transactions.product``: ``stars`` or ``premium``) and, for
Premium, how many months (``transactions.months``: 3, 6 or 12).

Every purchase already in the journal bought stars: it is marked so. A CHECK keeps a purchase to one product with its
own quantity (SQLite rebuilds ``transactions`` to add it), and a partial unique index keeps at most one Premium gift of
the same months to the same recipient in flight, as ``uq_transactions_purchase_in_flight`` does for stars. A downgrade
refuses to run while a Premium purchase exists, rather than turn it into a purchase of nothing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from starshop.adapters.sqla.migrations.sqlite_rebuild import rebuild_table

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CHECK = "ck_transactions_product_fields"
PRODUCT_FIELDS = (
    "(type <> 'purchase' AND product IS NULL AND months IS NULL) OR (type = 'purchase' AND ("
    "(product = 'stars' AND months IS NULL AND stars IS NOT NULL)"
    " OR (product = 'premium' AND stars IS NULL AND months IN (3, 6, 12))))"
)
PURCHASE_FIELDS = "CHECK (type <> 'purchase' OR (stars > 0 AND recipient IS NOT NULL))"
IN_FLIGHT = "uq_transactions_premium_in_flight"
IN_FLIGHT_WHERE = "type = 'purchase' AND status = 'processing' AND product = 'premium'"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.add_column("transactions", sa.Column("product", sa.String(16)))
    op.add_column("transactions", sa.Column("months", sa.Integer()))
    op.execute("UPDATE transactions SET product = 'stars' WHERE type = 'purchase'")
    if _sqlite():
        rebuild_table(
            "transactions", {}, [(PURCHASE_FIELDS, f"{PURCHASE_FIELDS}, CONSTRAINT {CHECK} CHECK ({PRODUCT_FIELDS})")]
        )
    else:
        op.create_check_constraint(CHECK, "transactions", PRODUCT_FIELDS)
    op.create_index(
        IN_FLIGHT,
        "transactions",
        [sa.text("lower(recipient)"), "months"],
        unique=True,
        postgresql_where=sa.text(IN_FLIGHT_WHERE),
        sqlite_where=sa.text(IN_FLIGHT_WHERE),
    )


def downgrade() -> None:
    found = op.get_bind().execute(sa.text("SELECT count(*) FROM transactions WHERE product = 'premium'")).scalar_one()
    if found:
        msg = f"{found} Telegram Premium purchases are in the journal: a downgrade would lose what they bought"
        raise RuntimeError(msg)
    op.drop_index(IN_FLIGHT, "transactions")
    if _sqlite():
        rebuild_table(
            "transactions", {}, [(f"{PURCHASE_FIELDS}, CONSTRAINT {CHECK} CHECK ({PRODUCT_FIELDS})", PURCHASE_FIELDS)]
        )
    else:
        op.drop_constraint(CHECK, "transactions", type_="check")
    op.execute("ALTER TABLE transactions DROP COLUMN months")  # SQLite too (3.35 and later)
    op.execute("ALTER TABLE transactions DROP COLUMN product")
