"""Fixtures for the SQL persistence suites: every contract runs on memory, SQLite and Postgres.

Each Postgres test gets a database of its own, cloned from a template that the Alembic migrations built once per
run (``STARSHOP_TEST_POSTGRES_URL`` points at the server's ``postgres`` database); SQLite tests migrate a file
in the test's temporary directory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

import pytest
from sqla_support import Persistence
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.inprocess import (
    InMemoryLedgerReader,
    InMemoryOutboxUnitOfWork,
    InMemoryStore,
    InMemoryTransactionReader,
    InMemoryUnitOfWork,
)
from starshop.adapters.sqla.engine import create_engine
from starshop.adapters.sqla.readers import SqlaLedgerReader, SqlaTransactionReader
from starshop.adapters.sqla.uow import SqlaOutboxUnitOfWork, SqlaUnitOfWork
from starshop.adapters.system import SystemClock

T = TypeVar("T")
SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
BACKENDS = ["memory", *SQL_BACKENDS]


@pytest.fixture
async def pg_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pg_url, pool_size=20, max_overflow=40, statement_timeout_ms=20_000)
    yield engine
    await engine.dispose()


@pytest.fixture(params=SQL_BACKENDS)
async def sql_engine(request: pytest.FixtureRequest) -> AsyncIterator[AsyncEngine]:
    """A fresh migrated SQLite or Postgres database (no in-memory twin)."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = create_engine(url, pool_size=20, max_overflow=40, statement_timeout_ms=20_000)
    yield engine
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """The backend's name and, for SQL ones, the URL of a fresh migrated database."""
    if request.param == "memory":
        return "memory", None
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    return request.param, url


def memory_persistence() -> Persistence:
    store = InMemoryStore()
    return Persistence(
        name="memory",
        uow=lambda: InMemoryUnitOfWork(store),
        outbox_uow=lambda: InMemoryOutboxUnitOfWork(store),
        reader=InMemoryTransactionReader(store),
        ledger=InMemoryLedgerReader(store),
    )


def sqla_persistence(name: str, engine: AsyncEngine) -> Persistence:
    return Persistence(
        name=name,
        uow=lambda: SqlaUnitOfWork(engine, SystemClock()),
        outbox_uow=lambda: SqlaOutboxUnitOfWork(engine),
        reader=SqlaTransactionReader(engine),
        ledger=SqlaLedgerReader(engine),
        engine=engine,
    )


@pytest.fixture
async def persistence(backend: tuple[str, str | None]) -> AsyncIterator[Persistence]:
    name, url = backend
    if url is None:
        yield memory_persistence()
        return
    engine = create_engine(url, pool_size=5, max_overflow=10)
    try:
        yield sqla_persistence(name, engine)
    finally:
        await engine.dispose()
