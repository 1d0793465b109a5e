"""Fixtures every suite may use: a fresh migrated Postgres database (cloned from a template migrated once per run),
a migrated SQLite file, the two stacks, and retries without waits. Tests create and drop their own databases;
nothing depends on test order. Plain helpers live in ``tests/support.py``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import stamina

from starshop.adapters.sqla.migrate import upgrade
from tests.db import create_database, database_url, drop_database, run_in_thread
from tests.support import REDIS_URL


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


@pytest.fixture(
    params=["sqlite+inprocess", pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis])]
)
def stack(request: pytest.FixtureRequest) -> dict[str, object]:
    """Settings for the two stacks the app runs on: the embedded default, and production's Postgres and Redis."""
    if request.param == "sqlite+inprocess":
        return {"database_url": request.getfixturevalue("sqlite_url")}
    return {
        "database_url": request.getfixturevalue("pg_url"),
        "redis_url": REDIS_URL,
        "redis_prefix": f"test-{uuid.uuid4().hex[:10]}:",
    }


@pytest.fixture
def retry_attempts() -> int:
    """At most how many times a test tries a retried outbound call: by default the call's own policy. A suite or
    module that wants fewer overrides this fixture."""
    return 100


@pytest.fixture(autouse=True)
def _retries_without_waits(retry_attempts: int) -> Iterator[None]:
    """stamina's backoff is off in every test; a call is tried its policy's number of times, ``retry_attempts``
    at most."""
    with stamina.set_testing(True, attempts=retry_attempts, cap=True):
        yield
