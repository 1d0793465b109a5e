"""A Redis of the test's own is stopped mid-test and started again: the adapters degrade, then recover alone."""

from __future__ import annotations

import asyncio

import pytest
from redis_support import Clients, RedisServer
from tests.support import eventually

from starshop.adapters.redis import (
    RedisCache,
    RedisEventPublisher,
    RedisEventSubscriber,
    RedisRateLimiter,
    RedisTaskQueue,
)
from starshop.domain.events import PurchaseQueued

pytestmark = pytest.mark.redis


async def test_cache_and_limiter_degrade_while_redis_is_stopped_and_recover_when_it_is_back(
    clients: Clients, own_redis: RedisServer
) -> None:
    client = clients.open(own_redis.url)
    cache = RedisCache(client)
    limiter = RedisRateLimiter(client, {"purchase": (2, 60), "prices": (2, 60)})
    await cache.set("k", "before", ttl=60)
    assert await limiter.hit(1, "purchase")

    own_redis.stop()
    assert await cache.get("k") is None
    await cache.set("k", "during", ttl=60)
    assert await limiter.hit(1, "purchase") is False
    assert await limiter.hit(1, "prices") is True

    own_redis.start()  # empty: this server keeps nothing on disk
    await cache.set("k", "after", ttl=60)
    assert await cache.get("k") == "after"
    assert [await limiter.hit(1, "purchase") for _ in range(3)] == [True, True, False]


async def test_a_subscriber_reconnects_by_itself_after_a_restart(clients: Clients, own_redis: RedisServer) -> None:
    publisher = RedisEventPublisher(clients.open(own_redis.url))
    subscriber = RedisEventSubscriber(clients.open(own_redis.url), reconnect_delay=0.05, poll_interval=0.05)

    async with subscriber.subscribe(1) as stream:
        own_redis.stop()
        await publisher.publish(PurchaseQueued(user_id=1, tx_id="lost"))
        reading = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.2)
        own_redis.start()

        async def heard() -> bool:
            await publisher.publish(PurchaseQueued(user_id=1, tx_id="after"))
            return reading.done()

        await eventually(heard, every=0.1)
        assert reading.result() == PurchaseQueued(user_id=1, tx_id="after")


async def test_a_worker_outlives_the_restart_and_takes_tasks_again(clients: Clients, own_redis: RedisServer) -> None:
    queue = RedisTaskQueue(clients.open(own_redis.url), block=0.1, retry_delay=0.05)
    done: list[str] = []

    async def deliver(tx_id: str) -> None:
        done.append(tx_id)

    worker = asyncio.create_task(queue.run({"deliver_purchase": deliver}))
    own_redis.stop()
    await asyncio.sleep(0.3)
    own_redis.start()
    await queue.enqueue("deliver_purchase", "t1")

    async def delivered() -> bool:
        return done == ["t1"]

    await eventually(delivered)
    queue.stop()
    await asyncio.wait_for(worker, 5)
