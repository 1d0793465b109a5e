"""A local cluster of three masters: the adapters work through a ``redis+cluster://`` URL."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import RedisCluster
from redis_support import Clients, RedisClusterProcesses
from tests.support import eventually

from starshop.adapters.redis import (
    RedisCache,
    RedisEventPublisher,
    RedisEventSubscriber,
    RedisRateLimiter,
    RedisTaskQueue,
)
from starshop.domain.events import PaymentReceived, PurchaseQueued
from starshop.domain.money import Currency, Money


def payment_for(user: int) -> PaymentReceived:
    usd = Currency.of("USD")
    return PaymentReceived(user_id=user, tx_id=f"p{user}", amount=Money.of("1", usd), balance=Money.of("2", usd))


pytestmark = pytest.mark.redis


async def test_a_cluster_url_builds_a_cluster_client(clients: Clients, redis_cluster: RedisClusterProcesses) -> None:
    client = clients.open(redis_cluster.url)

    assert isinstance(client, RedisCluster)
    assert await client.ping()


async def test_the_cache_works_across_slots(clients: Clients, redis_cluster: RedisClusterProcesses) -> None:
    cache = RedisCache(clients.open(redis_cluster.url))
    keys = [f"price:{{u:{user}}}" for user in range(20)]  # spread over the three masters
    for key in keys:
        await cache.set(key, key, ttl=60)

    assert [await cache.get(key) for key in keys] == keys
    await cache.delete(*keys)
    assert [await cache.get(key) for key in keys] == [None] * 20


async def test_the_limiter_is_exact_under_concurrency(clients: Clients, redis_cluster: RedisClusterProcesses) -> None:
    limits = {"purchase": (37, 60)}
    first = RedisRateLimiter(clients.open(redis_cluster.url), limits)
    second = RedisRateLimiter(clients.open(redis_cluster.url), limits)

    for user in (1, 2, 3):
        verdicts = await asyncio.gather(*((first if i % 2 else second).hit(user, "purchase") for i in range(200)))
        assert sum(verdicts) == 37


async def test_events_reach_a_subscriber(clients: Clients, redis_cluster: RedisClusterProcesses) -> None:
    publisher = RedisEventPublisher(clients.open(redis_cluster.url))
    subscriber = RedisEventSubscriber(clients.open(redis_cluster.url), poll_interval=0.1)

    for user in (1, 2, 3):
        async with subscriber.subscribe(user) as stream:
            await publisher.publish(PurchaseQueued(user_id=user, tx_id=f"t{user}"))
            assert await asyncio.wait_for(anext(stream), 3) == PurchaseQueued(user_id=user, tx_id=f"t{user}")
            await publisher.publish_many([PurchaseQueued(user_id=user, tx_id=f"u{user}"), payment_for(user)])
            assert [await asyncio.wait_for(anext(stream), 3) for _ in range(2)] == [
                PurchaseQueued(user_id=user, tx_id=f"u{user}"),
                payment_for(user),
            ]


async def test_the_task_queue_runs_tasks(clients: Clients, redis_cluster: RedisClusterProcesses) -> None:
    queue = RedisTaskQueue(clients.open(redis_cluster.url), block=0.1)
    done: list[str] = []

    async def deliver(tx_id: str) -> None:
        done.append(tx_id)

    await queue.enqueue("deliver_purchase", "t1")
    worker = asyncio.create_task(queue.run({"deliver_purchase": deliver}))

    async def delivered() -> bool:
        return done == ["t1"]

    await eventually(delivered)
    queue.stop()
    await asyncio.wait_for(worker, 5)
