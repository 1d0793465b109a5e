"""Fixtures every suite may use: a fresh migrated Postgres database (cloned from a template migrated once per run)
and a migrated SQLite file. Tests create and drop their own databases; nothing depends on test order."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvicorn
from litestar import Litestar

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serving(app: Litestar, port: int | None = None) -> AsyncIterator[str]:
    """Run the app under uvicorn on 127.0.0.1 for the duration of the block; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            proxy_headers=False,
            timeout_graceful_shutdown=5,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


REDIS_URL = "redis://127.0.0.1:6379/0"


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
