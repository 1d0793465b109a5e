"""Redis that nobody answers: every adapter degrades as documented, fast, and never raises into its caller."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis_support import Clients

from starshop.adapters.redis import (
    REDIS_ERRORS,
    RedisCache,
    RedisEventPublisher,
    RedisEventSubscriber,
    RedisRateLimiter,
    RedisTaskQueue,
)
from starshop.domain.events import PurchaseQueued

pytestmark = pytest.mark.redis

LIMITS = {"purchase": (5, 60), "recharge": (5, 60), "prices": (5, 60)}


async def test_the_cache_misses_and_drops_writes(clients: Clients, dead_redis_url: str) -> None:
    cache = RedisCache(clients.open(dead_redis_url))
    started = time.monotonic()

    await cache.set("k", "v", ttl=30)
    await cache.delete("k")

    assert await cache.get("k") is None
    assert time.monotonic() - started < 2


async def test_the_limiter_refuses_money_moving_actions_and_allows_the_rest(
    clients: Clients, dead_redis_url: str
) -> None:
    limiter = RedisRateLimiter(clients.open(dead_redis_url), LIMITS)

    assert await limiter.hit(1, "purchase") is False
    assert await limiter.hit(1, "recharge") is False
    assert await limiter.hit(1, "prices") is True


async def test_which_actions_are_refused_is_configurable(clients: Clients, dead_redis_url: str) -> None:
    limiter = RedisRateLimiter(clients.open(dead_redis_url), LIMITS, refuse_when_down=frozenset({"prices"}))

    assert await limiter.hit(1, "purchase") is True
    assert await limiter.hit(1, "prices") is False


async def test_the_outage_is_logged_once_not_on_every_call(
    clients: Clients, dead_redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RedisRateLimiter(clients.open(dead_redis_url), LIMITS)
    for _ in range(5):
        await limiter.hit(1, "purchase")

    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "redis unavailable" in r.getMessage()]
    assert len(warnings) == 1


async def test_events_are_dropped_and_a_subscriber_waits_quietly(clients: Clients, dead_redis_url: str) -> None:
    publisher = RedisEventPublisher(clients.open(dead_redis_url))
    subscriber = RedisEventSubscriber(clients.open(dead_redis_url), reconnect_delay=0.05, poll_interval=0.05)

    await publisher.publish(PurchaseQueued(user_id=1, tx_id="t1"))
    await publisher.publish_many([PurchaseQueued(user_id=1, tx_id="t2"), PurchaseQueued(user_id=1, tx_id="t3")])
    async with subscriber.subscribe(1) as stream:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(anext(stream), 0.3)


async def test_enqueue_raises_but_the_worker_keeps_waiting(clients: Clients, dead_redis_url: str) -> None:
    queue = RedisTaskQueue(clients.open(dead_redis_url), block=0.1, retry_delay=0.05)

    with pytest.raises(REDIS_ERRORS):
        await queue.enqueue("deliver_purchase", "t1")
    worker = asyncio.create_task(queue.run({}))
    await asyncio.sleep(0.3)
    assert not worker.done()
    queue.stop()
    await asyncio.wait_for(worker, 2)
