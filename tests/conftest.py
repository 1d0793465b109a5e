"""Fixtures every suite may use: a fresh migrated Postgres database (cloned from a template migrated once per run)
and a migrated SQLite file. Tests create and drop their own databases; nothing depends on test order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from starshop.adapters.sqla.migrate import upgrade
from tests.db import create_database, database_url, drop_database, run_in_thread


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A database migrated to head, cloned by each test (``CREATE DATABASE ... TEMPLATE``)."""

    async def build() -> str:
        name = await create_database()
        await upgrade(database_url(name))
        return name

    name = run_in_thread(build())
    yield name
    run_in_thread(drop_database(name))


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    name = run_in_thread(create_database(pg_template))
    try:
        yield database_url(name)
    finally:
        run_in_thread(drop_database(name))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    run_in_thread(upgrade(url))
    return url
