"""Fixtures for the Redis adapter suites: each contract runs on the in-process twin and on real Redis.

Real-Redis tests use the shared server (``STARSHOP_TEST_REDIS_URL``, default the local default port) under a key
prefix of their own, deleted afterwards; tests that stop Redis or need a cluster start their own servers.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import attrs
import pytest
from redis.asyncio import Redis
from redis_support import (
    Clients,
    Events,
    LimiterFactory,
    QueueFactory,
    RedisClusterProcesses,
    RedisServer,
    redis_binaries,
)
from tests.support import REDIS_URL, free_port

from starshop.adapters.inprocess import (
    InProcessCache,
    InProcessEventBus,
    InProcessRateLimiter,
    InProcessTaskQueue,
    RateLimits,
)
from starshop.adapters.redis import (
    RedisCache,
    RedisEventPublisher,
    RedisEventSubscriber,
    RedisRateLimiter,
    RedisTaskQueue,
)
from starshop.application.ports.infra import RateLimiter
from starshop.domain.events import Event

IMPLEMENTATIONS = ["inprocess", pytest.param("redis", marks=pytest.mark.redis)]


@attrs.frozen
class RedisEvents:
    publisher: RedisEventPublisher
    subscriber: RedisEventSubscriber

    async def publish(self, event: Event) -> None:
        await self.publisher.publish(event)

    async def publish_many(self, events: Sequence[Event]) -> None:
        await self.publisher.publish_many(events)

    def subscribe(self, user_id: int) -> AbstractAsyncContextManager[Any]:
        return self.subscriber.subscribe(user_id)


@pytest.fixture
async def clients() -> AsyncIterator[Clients]:
    opened = Clients()
    yield opened
    await opened.close()


@pytest.fixture
async def shared_redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL, decode_responses=True, socket_connect_timeout=1)
    try:
        await client.ping()
    except OSError as exc:  # redis.ConnectionError is an OSError too
        await client.aclose()
        pytest.fail(f"the shared Redis is not reachable: {exc}")
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A key prefix owned by this test; its keys on the shared server are deleted afterwards."""
    own = f"test-{uuid.uuid4().hex[:12]}:"
    yield own
    if "shared_redis" not in request.fixturenames:
        return
    client: Redis = request.getfixturevalue("shared_redis")
    keys = [key async for key in client.scan_iter(match=f"{own}*", count=500)]
    if keys:
        await client.unlink(*keys)


@pytest.fixture(params=IMPLEMENTATIONS)
def implementation(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        request.getfixturevalue("shared_redis")
    return str(request.param)


@pytest.fixture
def cache(implementation: str, clients: Clients, prefix: str) -> InProcessCache | RedisCache:
    if implementation == "inprocess":
        return InProcessCache()
    return RedisCache(clients.open(REDIS_URL), prefix=prefix)


@pytest.fixture
def limiter_factory(implementation: str, clients: Clients, prefix: str) -> LimiterFactory:
    """Each call is another instance sharing the same counts: another connection for Redis, the same object
    in process (an in-process limiter is shared by sharing the object)."""
    shared: dict[str, InProcessRateLimiter] = {}

    def make(limits: RateLimits) -> RateLimiter:
        if implementation == "inprocess":
            return shared.setdefault("one", InProcessRateLimiter(limits))
        return RedisRateLimiter(clients.open(REDIS_URL), limits, prefix=prefix)

    return make


@pytest.fixture
def events(implementation: str, clients: Clients, prefix: str) -> Events:
    if implementation == "inprocess":
        return InProcessEventBus(max_queued=10)
    publisher = RedisEventPublisher(clients.open(REDIS_URL), prefix=prefix)
    subscriber = RedisEventSubscriber(clients.open(REDIS_URL), prefix=prefix, poll_interval=0.1)
    return RedisEvents(publisher, subscriber)


@pytest.fixture
def queue_factory(implementation: str, clients: Clients, prefix: str) -> QueueFactory:
    """Each call is another worker on the same queue (the in-process queue is one object)."""
    shared: dict[str, InProcessTaskQueue] = {}

    def make(**options: Any) -> InProcessTaskQueue | RedisTaskQueue:
        if implementation == "inprocess":
            return shared.setdefault("one", InProcessTaskQueue())
        options = {"block": 0.1, "retry_delay": 0.05, **options}
        return RedisTaskQueue(clients.open(REDIS_URL), prefix=prefix, **options)

    return make


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, free to stop and start again."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterProcesses]:
    redis_binaries()
    cluster = RedisClusterProcesses(tmp_path_factory.mktemp("cluster"))
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def dead_redis_url() -> str:
    """Nobody listens here: the port was free a moment ago and is not bound again."""
    return f"redis://127.0.0.1:{free_port()}/0"
