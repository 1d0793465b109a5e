"""Alembic migrations: up from empty, down to base, up again; the head matches ``tables.metadata``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqla_support import create_database, database_url, drop_database
from sqlalchemy import inspect

from starshop.adapters.sqla.engine import create_engine
from starshop.adapters.sqla.migrate import (
    DatabaseNotReady,
    check_database,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from starshop.adapters.sqla.tables import metadata

TABLES = {
    "alembic_version",
    "alerts",
    "balances",
    "broadcast_recipients",
    "broadcasts",
    "outbox",
    "payment_webhooks",
    "promo_codes",
    "promo_redemptions",
    "referrals",
    "shop_settings",
    "shop_settings_audit",
    "transactions",
    "users",
    "waiting_orders",
}


@pytest.fixture
async def empty_pg_url() -> AsyncIterator[str]:
    name = await create_database()
    try:
        yield database_url(name)
    finally:
        await drop_database(name)


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), metadata)
            )
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_postgres_migrates_up_down_and_up_again(empty_pg_url: str) -> None:
    assert await current_revision(empty_pg_url) is None
    await upgrade(empty_pg_url, "head")
    assert await current_revision(empty_pg_url) == head_revision()
    assert await _tables(empty_pg_url) == TABLES
    await downgrade(empty_pg_url, "base")
    assert await current_revision(empty_pg_url) is None
    assert await _tables(empty_pg_url) == {"alembic_version"}
    await upgrade(empty_pg_url, "head")
    assert await _tables(empty_pg_url) == TABLES


@pytest.mark.postgres
async def test_the_postgres_head_schema_matches_the_tables_module(pg_url: str) -> None:
    assert await _diff(pg_url) == []


async def test_sqlite_migrates_up_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    await upgrade(url)
    assert await current_revision(url) == head_revision()
    await downgrade(url)
    assert await _tables(url) == {"alembic_version"}
    await upgrade(url)
    assert await _tables(url) == TABLES


@pytest.mark.postgres
async def test_check_database_passes_on_a_migrated_database(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        await check_database(engine)
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_check_database_refuses_a_database_not_migrated(empty_pg_url: str) -> None:
    engine = create_engine(empty_pg_url)
    try:
        with pytest.raises(DatabaseNotReady, match="at migration none, expected") as caught:
            await check_database(engine)
    finally:
        await engine.dispose()
    assert "\n" not in str(caught.value)


async def test_check_database_refuses_an_unreachable_server() -> None:
    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none", pool_size=1)
    try:
        with pytest.raises(DatabaseNotReady, match="unreachable") as caught:
            await check_database(engine)
    finally:
        await engine.dispose()
    assert "\n" not in str(caught.value)


async def test_check_database_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    engine = create_engine(url)
    try:
        with pytest.raises(DatabaseNotReady):
            await check_database(engine)
        await upgrade(url)
        await check_database(engine)
    finally:
        await engine.dispose()


def test_an_unsupported_url_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        create_engine("mysql://x/y")
