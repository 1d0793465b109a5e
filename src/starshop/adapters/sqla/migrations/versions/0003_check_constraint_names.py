"""CHECK constraints named ``ck_<table>_<what>`` once, as ``tables.py`` names them.

0001 gave full names that the naming convention then prefixed a second time
(``ck_balances_ck_balances_amount_not_negative``); the convention no longer has a ``ck`` entry. Postgres renames
each constraint in place. SQLite keeps constraint names only in a table's stored DDL, so ``balances`` and
``transactions`` are rebuilt from it with the names changed (the recipe 0002 used: every row, column, check and
index as it was). A downgrade restores the doubled names.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

from starshop.adapters.sqla.migrations.sqlite_rebuild import rebuild_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CHECKS = {
    "balances": ["amount_not_negative", "held_not_negative", "held_within_amount"],
    "transactions": ["type_valid", "status_valid", "pay_with_valid", "amount_sign", "purchase_fields"],
}


def _names(table: str, what: str) -> tuple[str, str]:
    """(as 0001 left it, as tables.py names it)"""
    return f"ck_{table}_ck_{table}_{what}", f"ck_{table}_{what}"


def upgrade() -> None:
    _rename(undo=False)


def downgrade() -> None:
    _rename(undo=True)


def _rename(*, undo: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, checks in CHECKS.items():
        renames = []
        for what in checks:
            doubled, single = _names(table, what)
            renames.append((single, doubled) if undo else (doubled, single))
        if sqlite:
            rebuild_table(table, {}, [(f"CONSTRAINT {old} CHECK", f"CONSTRAINT {new} CHECK") for old, new in renames])
        else:
            for old, new in renames:
                op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}")
