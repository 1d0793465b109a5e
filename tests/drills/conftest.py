"""Fixtures of the fault drills: private Postgres and Redis servers to stop and start, the fault proxy, and quick
retries. Shared databases come from ``tests/conftest.py`` (``pg_url``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from starshop.adapters.sqla.migrate import upgrade
from tests.db import admin, run_in_thread
from tests.drills.proxy import FaultProxy
from tests.drills.servers import PrivatePostgres, PrivateRedis
from tests.support import REDIS_URL


@pytest.fixture
def retry_attempts() -> int:
    """Lookups are still retried, once (stamina's waits are off in every test: ``tests/conftest.py``)."""
    return 2


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A Postgres cluster of the test's own, started, with a migrated database ``shop``."""
    server = PrivatePostgres()
    try:
        server.start()

        async def prepare() -> None:
            await admin('CREATE DATABASE "shop"', url=server.url())
            await upgrade(server.url("shop"))

        run_in_thread(prepare())
        yield server
    finally:
        server.destroy()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
async def proxies() -> AsyncIterator[list[FaultProxy]]:
    """Proxies a test starts with ``FaultProxy(port).start()`` and appends here; all stopped at its end."""
    opened: list[FaultProxy] = []
    yield opened
    await asyncio.gather(*(proxy.stop() for proxy in opened), return_exceptions=True)


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of the test's own on the shared Redis; its keys are deleted afterwards."""
    prefix = f"drill-{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
