"""SQLite's own recipe for a schema change it cannot ``ALTER``: a new table from the stored DDL, copy, drop, rename,
indexes again. The migrations that change a column's type (0002) or a constraint's name (0003) share it."""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op


def rebuild_table(table: str, types: dict[str, tuple[str, str]], replacements: list[tuple[str, str]]) -> None:
    """Rebuild ``table`` with each column's type changed (``{column: (old, new)}``) and each text of its stored
    DDL replaced (``[(old, new)]``); every one must be found exactly once, or nothing is changed."""
    bind = op.get_bind()
    ddl = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table})
    sql = ddl.scalar_one()
    indexes = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"),
        {"t": table},
    ).scalars()
    index_sql = list(indexes)
    for column, (old_type, new_type) in types.items():
        sql, found = re.subn(rf"(\n\s*{column}) {old_type}\b", rf"\1 {new_type}", sql)
        _expect_once(found, table, f"{column} {old_type}")
    for old, new in replacements:
        _expect_once(sql.count(old), table, old)
        sql = sql.replace(old, new)
    sql, found = re.subn(rf'^CREATE TABLE "?{table}"? \(', f'CREATE TABLE "_new_{table}" (', sql)
    _expect_once(found, table, "CREATE TABLE")
    op.execute(sql)
    op.execute(f'INSERT INTO "_new_{table}" SELECT * FROM {table}')
    op.execute(f"DROP TABLE {table}")
    op.execute(f'ALTER TABLE "_new_{table}" RENAME TO {table}')
    for index in index_sql:
        op.execute(index)


def _expect_once(found: int, table: str, what: str) -> None:
    if found != 1:
        msg = f"the stored schema of {table} has {found} copies of {what!r}, expected one: migrate it by hand"
        raise RuntimeError(msg)
