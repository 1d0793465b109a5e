from __future__ import annotations

import asyncio

from redis_support import QueueFactory
from tests.support import eventually

from starshop.adapters.inprocess import InProcessTaskQueue
from starshop.adapters.redis import RedisTaskQueue


class Recorder:
    def __init__(self) -> None:
        self.done: list[str] = []

    async def __call__(self, tx_id: str) -> None:
        self.done.append(tx_id)

    async def has(self, count: int) -> bool:
        return len(self.done) >= count


async def stop(queue: InProcessTaskQueue | RedisTaskQueue, worker: asyncio.Task[None]) -> None:
    queue.stop()
    await asyncio.wait_for(worker, 5)


async def test_the_worker_calls_the_handler_with_each_tx_id(queue_factory: QueueFactory) -> None:
    queue, deliver = queue_factory(), Recorder()
    for tx in ("t1", "t2", "t3"):
        await queue.enqueue("deliver_purchase", tx)

    worker = asyncio.create_task(queue.run({"deliver_purchase": deliver}))
    await eventually(lambda: deliver.has(3))
    await stop(queue, worker)

    assert deliver.done == ["t1", "t2", "t3"]


async def test_the_worker_survives_failing_handlers_and_unknown_tasks(queue_factory: QueueFactory) -> None:
    queue, deliver = queue_factory(), Recorder()

    async def broken(tx_id: str) -> None:
        msg = f"boom {tx_id}"
        raise RuntimeError(msg)

    await queue.enqueue("broken", "t1")
    await queue.enqueue("nobody_handles_this", "t2")
    await queue.enqueue("deliver_purchase", "t3")

    worker = asyncio.create_task(queue.run({"broken": broken, "deliver_purchase": deliver}))
    await eventually(lambda: deliver.has(1))
    await stop(queue, worker)

    assert deliver.done == ["t3"]


async def test_stop_lets_the_task_in_hand_finish(queue_factory: QueueFactory) -> None:
    queue = queue_factory()
    started, release, finished = asyncio.Event(), asyncio.Event(), []

    async def slow(tx_id: str) -> None:
        started.set()
        await release.wait()
        finished.append(tx_id)

    await queue.enqueue("slow", "t1")
    worker = asyncio.create_task(queue.run({"slow": slow}))
    await asyncio.wait_for(started.wait(), 5)

    queue.stop()
    await asyncio.sleep(0.2)
    assert not worker.done()
    release.set()
    await asyncio.wait_for(worker, 5)

    assert finished == ["t1"]


async def test_a_stopped_worker_leaves_later_tasks_queued_for_the_next_one(queue_factory: QueueFactory) -> None:
    first = queue_factory()
    idle = asyncio.create_task(first.run({}))
    await stop(first, idle)
    await first.enqueue("deliver_purchase", "t1")

    second, deliver = queue_factory(), Recorder()
    worker = asyncio.create_task(second.run({"deliver_purchase": deliver}))
    await eventually(lambda: deliver.has(1))
    await stop(second, worker)

    assert deliver.done == ["t1"]


async def test_in_process_drain_takes_the_waiting_tasks_oldest_first_without_running_them() -> None:
    queue = InProcessTaskQueue()
    await queue.enqueue("deliver_purchase", "t1")
    await queue.enqueue("deliver_purchase", "t2")

    assert queue.drain() == [("deliver_purchase", "t1"), ("deliver_purchase", "t2")]
    assert queue.pending() == 0
    await asyncio.wait_for(queue.join(), 1)  # drained tasks count as handled
