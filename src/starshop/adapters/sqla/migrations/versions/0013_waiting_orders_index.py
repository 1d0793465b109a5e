"""The orders still waiting, indexed for the sweep (``ResumeWaitingOrders``): a partial index on
``waiting_orders.updated_at`` where ``state = 'waiting'``, so the sweep's look every tick reads only those, however
many orders were placed or dropped over time. An index only: SQLite and Postgres create and drop it alike.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

WHERE = sa.text("state = 'waiting'")


def upgrade() -> None:
    op.create_index(
        "ix_waiting_orders_waiting", "waiting_orders", ["updated_at"], postgresql_where=WHERE, sqlite_where=WHERE
    )


def downgrade() -> None:
    op.drop_index("ix_waiting_orders_waiting", "waiting_orders")
