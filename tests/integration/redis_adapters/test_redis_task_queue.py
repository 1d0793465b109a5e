"""What only the Redis queue promises: a task survives the worker that was running it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis
from redis_support import Clients
from tests.support import REDIS_URL, eventually

from starshop.adapters.redis import RedisTaskQueue

pytestmark = [pytest.mark.redis, pytest.mark.usefixtures("shared_redis")]


def make_queue(clients: Clients, prefix: str, **options: Any) -> RedisTaskQueue:
    return RedisTaskQueue(clients.open(REDIS_URL), prefix=prefix, block=0.1, **options)


async def test_a_task_whose_worker_crashed_runs_again_after_the_visibility_timeout(
    clients: Clients, prefix: str, shared_redis: Redis
) -> None:
    crashed = make_queue(clients, prefix, visibility_timeout=0.3)
    started = asyncio.Event()

    async def hangs(tx_id: str) -> None:
        started.set()
        await asyncio.Event().wait()

    await crashed.enqueue("deliver_purchase", "t1")
    doomed = asyncio.create_task(crashed.run({"deliver_purchase": hangs}))
    await asyncio.wait_for(started.wait(), 5)
    doomed.cancel()  # the process dies: no ack, the lease stays until it runs out
    await asyncio.gather(doomed, return_exceptions=True)
    assert await shared_redis.llen(crashed.keys[1]) == 1

    rescuer = make_queue(clients, prefix, visibility_timeout=0.3, reclaim_every=0.1)
    done: list[str] = []

    async def deliver(tx_id: str) -> None:
        done.append(tx_id)

    worker = asyncio.create_task(rescuer.run({"deliver_purchase": deliver}))

    async def delivered() -> bool:
        return done == ["t1"]

    await eventually(delivered)
    rescuer.stop()
    await asyncio.wait_for(worker, 5)
    assert await shared_redis.llen(rescuer.keys[1]) == 0
    assert await shared_redis.hlen(rescuer.keys[2]) == 0


async def test_a_long_task_keeps_its_lease_and_is_not_run_twice(clients: Clients, prefix: str) -> None:
    queue = make_queue(clients, prefix, visibility_timeout=0.3, reclaim_every=0.05)
    other = make_queue(clients, prefix, visibility_timeout=0.3, reclaim_every=0.05)
    runs: list[str] = []

    async def slow(tx_id: str) -> None:
        runs.append(tx_id)
        await asyncio.sleep(1.0)  # over three visibility timeouts, renewed meanwhile

    await queue.enqueue("slow", "t1")
    workers = [asyncio.create_task(q.run({"slow": slow})) for q in (queue, other)]
    await asyncio.sleep(1.3)
    queue.stop()
    other.stop()
    await asyncio.wait_for(asyncio.gather(*workers), 5)

    assert runs == ["t1"]


async def test_tasks_carry_only_the_task_name_and_the_tx_id(clients: Clients, prefix: str, shared_redis: Redis) -> None:
    queue = make_queue(clients, prefix)

    await queue.enqueue("deliver_purchase", "tx-1")

    (item,) = await shared_redis.lrange(queue.keys[0], 0, -1)
    assert '"task": "deliver_purchase"' in item
    assert '"tx_id": "tx-1"' in item
