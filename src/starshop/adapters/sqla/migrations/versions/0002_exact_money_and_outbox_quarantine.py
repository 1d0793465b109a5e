"""Money columns keep 18 decimals (every accepted currency, ETH included); the outbox sets undecodable rows aside.

Postgres: ``NUMERIC(20, 9)`` becomes ``NUMERIC(38, 18)``. SQLite: money was an integer of 10^-9 units and becomes
the canonical decimal text (see ``starshop.adapters.sqla.types.Amount``); SQLite cannot change a column's type, so
``balances`` and ``transactions`` are rebuilt from their own stored DDL (columns, constraints and indexes exactly
as they are, only the money columns' type and CHECKs changed), then the stored units are rewritten as decimals.
A downgrade refuses to run while an amount has more than 9 decimals, rather than round money.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from starshop.adapters.sqla.migrations.sqlite_rebuild import rebuild_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OLD = sa.Numeric(20, 9)
NEW = sa.Numeric(38, 18)
MONEY = {"balances": ("amount", "held"), "transactions": ("amount", "invoice_amount")}
NOT_NULL = {("balances", "amount"), ("balances", "held"), ("transactions", "amount")}
DEFAULT_ZERO = {("balances", "amount"), ("balances", "held")}
# SQLite CHECKs on money: (as 0001 wrote them, on decimal texts)
SQLITE_CHECKS = {
    "balances": [
        ("CHECK (amount >= 0)", "CHECK (money_cmp(amount, '0') >= 0)"),
        ("CHECK (held >= 0)", "CHECK (money_cmp(held, '0') >= 0)"),
        ("CHECK (held <= amount)", "CHECK (money_cmp(held, amount) <= 0)"),
    ],
    "transactions": [
        (
            "CHECK (amount > 0 OR (type = 'adjustment' AND amount <> 0))",
            "CHECK (money_cmp(amount, '0') > 0 OR (type = 'adjustment' AND money_cmp(amount, '0') <> 0))",
        )
    ],
}
UNITS = 10**9


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, columns in MONEY.items():
            rebuild_table(table, dict.fromkeys(columns, ("BIGINT", "TEXT")), SQLITE_CHECKS[table])
            for column in columns:
                op.execute(f"UPDATE {table} SET {column} = {_units_to_text(column)} WHERE {column} IS NOT NULL")
    else:
        for table, columns in MONEY.items():
            for column in columns:
                _alter(table, column, OLD, NEW)
    op.add_column("outbox", sa.Column("quarantined_at", sa.DateTime(timezone=True)))
    op.add_column("outbox", sa.Column("quarantine_reason", sa.Text()))


def downgrade() -> None:
    bind = op.get_bind()
    for column in ("quarantine_reason", "quarantined_at"):
        op.execute(f"ALTER TABLE outbox DROP COLUMN {column}")  # SQLite has it since 3.35
    for table, columns in MONEY.items():
        for column in columns:
            values = bind.execute(sa.text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")).scalars()
            finer = [v for v in values if Decimal(str(v)) != Decimal(str(v)).quantize(Decimal(1).scaleb(-9))]
            if finer:
                msg = f"{table}.{column} holds amounts with more than 9 decimals (e.g. {finer[0]}); not rounding money"
                raise RuntimeError(msg)
    if bind.dialect.name == "sqlite":
        for table, columns in MONEY.items():
            rows = bind.execute(sa.text(f"SELECT rowid, {', '.join(columns)} FROM {table}")).all()
            for rowid, *amounts in rows:
                units = {
                    c: None if a is None else int(Decimal(str(a)) * UNITS)
                    for c, a in zip(columns, amounts, strict=True)
                }
                sets = ", ".join(f"{c} = :{c}" for c in columns)
                bind.execute(sa.text(f"UPDATE {table} SET {sets} WHERE rowid = :rowid"), {**units, "rowid": rowid})
            checks = [(new, old) for old, new in SQLITE_CHECKS[table]]
            rebuild_table(table, dict.fromkeys(columns, ("TEXT", "BIGINT")), checks)
    else:
        for table, columns in MONEY.items():
            for column in columns:
                _alter(table, column, NEW, OLD)


def _alter(table: str, column: str, old: sa.Numeric[Decimal], new: sa.Numeric[Decimal]) -> None:
    op.alter_column(
        table,
        column,
        type_=new,
        existing_type=old,
        existing_nullable=(table, column) not in NOT_NULL,
        existing_server_default=sa.text("0") if (table, column) in DEFAULT_ZERO else None,
    )


def _units_to_text(column: str) -> str:
    """SQL turning an integer of 10^-9 units into the canonical text with 18 decimals."""
    units = f"CAST({column} AS INTEGER)"  # the rebuilt column keeps the integers as text
    sign = f"CASE WHEN {units} < 0 THEN '-' ELSE '' END"
    whole = f"(abs({units}) / {UNITS})"
    fraction = f"substr('000000000' || (abs({units}) % {UNITS}), -9)"
    return f"{sign} || {whole} || '.' || {fraction} || '000000000'"
