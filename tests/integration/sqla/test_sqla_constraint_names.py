"""The CHECK constraints are named ``ck_<table>_<what>`` once, as ``tables.py`` names them, on both databases.

Migration 0001 gave full names (``ck_balances_amount_not_negative``) that the naming convention then prefixed a
second time (``ck_balances_ck_balances_amount_not_negative``); 0003 renames them, keeping every row and every
check, and its downgrade restores the names it found.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqla_support import create_database, database_url, drop_database
from sqlalchemy import Connection, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable

from starshop.adapters.sqla.engine import create_engine
from starshop.adapters.sqla.migrate import alembic_config, downgrade, upgrade
from starshop.adapters.sqla.tables import balances, transactions

CHECKS = {
    "ck_balances_amount_not_negative",
    "ck_balances_held_not_negative",
    "ck_balances_held_within_amount",
    "ck_transactions_type_valid",
    "ck_transactions_status_valid",
    "ck_transactions_pay_with_valid",
    "ck_transactions_amount_sign",
    "ck_transactions_purchase_fields",
    "ck_transactions_product_fields",  # 0009: a purchase buys stars or months of Premium
}
LATER = {"ck_transactions_product_fields"}  # named right when they were added
BEFORE = ScriptDirectory.from_config(alembic_config()).get_revision("0003").down_revision  # the renaming's parent
DOUBLED = {re.sub(r"^ck_(balances|transactions)_", r"ck_\1_ck_\1_", name) for name in CHECKS - LATER}


def _check_names(conn: Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        stored = conn.execute(text("SELECT sql FROM sqlite_master WHERE name IN ('balances', 'transactions')"))
        return {name for (sql,) in stored for name in re.findall(r"CONSTRAINT (\w+) CHECK", sql)}
    found = conn.execute(
        text(
            "SELECT conname FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace"
            " AND conrelid IN ('balances'::regclass, 'transactions'::regclass)"
        )
    )
    return set(found.scalars())


async def _names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_check_names)
    finally:
        await engine.dispose()


async def _overdraw(url: str) -> str:
    """Hold more than the balance by hand: the database refuses it; returns the refusal's text."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            now = "'2026-01-01 00:00:00'" if conn.dialect.name == "sqlite" else "now()"
            await conn.execute(text(f"INSERT INTO users (user_id, created_at, updated_at) VALUES (1, {now}, {now})"))
            await conn.execute(
                text(
                    "INSERT INTO balances (user_id, amount, held, currency, created_at, updated_at)"
                    f" VALUES (1, '5.000000000000000000', '0.000000000000000000', 'USD', {now}, {now})"
                )
            )
            await conn.commit()
            with pytest.raises(IntegrityError) as refused:
                await conn.execute(text("UPDATE balances SET held = '7.000000000000000000' WHERE user_id = 1"))
            return str(refused.value.orig)
    finally:
        await engine.dispose()


def test_the_tables_module_names_each_check_once() -> None:
    for dialect in (postgresql.dialect(), sqlite.dialect()):
        ddl = "".join(str(CreateTable(table).compile(dialect=dialect)) for table in (balances, transactions))
        assert set(re.findall(r"CONSTRAINT (\w+) CHECK", ddl)) == CHECKS


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'names.db'}"
        return
    name = await create_database()
    try:
        yield database_url(name)
    finally:
        await drop_database(name)


async def test_the_head_schema_names_each_check_once_and_the_checks_still_hold(empty_url: str) -> None:
    await upgrade(empty_url, BEFORE)
    assert await _names(empty_url) == DOUBLED  # what every database migrated before 0003 holds
    await upgrade(empty_url, "head")
    assert await _names(empty_url) == CHECKS
    assert "held_within_amount" in await _overdraw(empty_url)


async def test_the_renaming_keeps_the_rows_and_its_downgrade_restores_the_old_names(empty_url: str) -> None:
    await upgrade(empty_url, BEFORE)
    await _overdraw(empty_url)  # a user and a balance of 5 stored before the renaming
    await upgrade(empty_url, "head")
    engine = create_engine(empty_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM balances"))).scalar() == 1
    finally:
        await engine.dispose()
    await downgrade(empty_url, BEFORE)
    assert await _names(empty_url) == DOUBLED
