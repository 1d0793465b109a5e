"""``TaskQueue`` on Redis: a reliable list queue. Tasks survive a crashed worker.

A worker moves an item from ``ready`` to ``processing`` atomically (BLMOVE) and takes a lease on it (deadline
and worker token in the ``leases`` hash, renewed while the handler runs). It removes the item when the handler
returns. Any worker periodically puts back into ``ready`` the items whose lease ran out, so a task whose worker
died runs again after ``visibility_timeout``: delivery is at least once, and handlers are idempotent by tx id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid

import attrs
from redis.commands.core import AsyncScript

from starshop.adapters.inprocess.task_queue import Handlers, dispatch
from starshop.adapters.redis.client import REDIS_ERRORS, RedisClient, script
from starshop.adapters.redis.keys import DEFAULT_PREFIX, check_prefix, queue_keys
from starshop.adapters.redis.outage import OutageLog

logger = logging.getLogger(__name__)

_NOW_MS = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

# KEYS: leases. ARGV: item, token, lease ms, only_if_mine (renewal).
_LEASE = (
    _NOW_MS
    + """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[4] == '1' and (not current or not string.find(current, ':' .. ARGV[2], 1, true)) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], (now + tonumber(ARGV[3])) .. ':' .. ARGV[2])
return 1
"""
)

# KEYS: processing, leases. ARGV: item, token.
_ACK = """
local current = redis.call('HGET', KEYS[2], ARGV[1])
if current and not string.find(current, ':' .. ARGV[2], 1, true) then
  return 0
end
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""

# KEYS: ready, processing, leases. ARGV: grace ms. An item without a lease (its worker died between BLMOVE and
# taking the lease) gets one now, so it too comes back after a full timeout.
_RECLAIM = (
    _NOW_MS
    + """
local moved = 0
for _, item in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local lease = redis.call('HGET', KEYS[3], item)
  if not lease then
    redis.call('HSET', KEYS[3], item, (now + tonumber(ARGV[1])) .. ':reclaimer')
  elseif tonumber(string.match(lease, '^(%d+):')) <= now then
    redis.call('LREM', KEYS[2], 1, item)
    redis.call('HDEL', KEYS[3], item)
    redis.call('RPUSH', KEYS[1], item)
    moved = moved + 1
  end
end
return moved
"""
)


@attrs.define
class RedisTaskQueue:
    """``block`` must stay below the client's socket timeout; ``stop()`` is noticed within ``block`` seconds."""

    client: RedisClient
    queue: str = "tasks"
    prefix: str = attrs.field(default=DEFAULT_PREFIX, converter=check_prefix)
    visibility_timeout: float = 60.0
    block: float = 0.5
    reclaim_every: float = 5.0
    retry_delay: float = 1.0
    concurrency: int = 1  # tasks one worker handles at once (each leased, then acknowledged when it ends)
    _stopping: asyncio.Event = attrs.field(factory=asyncio.Event, init=False)
    _outage: OutageLog = attrs.field(factory=lambda: OutageLog(logger, "task queue"), init=False)
    _lease: AsyncScript = attrs.field(init=False)
    _ack: AsyncScript = attrs.field(init=False)
    _reclaim: AsyncScript = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._lease = script(self.client, _LEASE)
        self._ack = script(self.client, _ACK)
        self._reclaim = script(self.client, _RECLAIM)

    @property
    def keys(self) -> tuple[str, str, str]:
        return queue_keys(self.prefix, self.queue)

    async def enqueue(self, task: str, tx_id: str) -> None:
        """Raises a Redis error when Redis is away: the caller's database row remains, and a sweep finds it."""
        item = json.dumps({"id": uuid.uuid4().hex, "task": task, "tx_id": tx_id})
        await self.client.lpush(self.keys[0], item)  # type: ignore[misc]

    def stop(self) -> None:
        self._stopping.set()

    async def run(self, handlers: Handlers) -> None:
        """Work until ``stop()`` (called before or during the run): the task in hand is finished and
        acknowledged first."""
        try:
            await self._work(handlers)
        finally:
            self._stopping.clear()

    async def _work(self, handlers: Handlers) -> None:
        loop = asyncio.get_running_loop()
        next_reclaim = 0.0
        slots = asyncio.Semaphore(max(1, self.concurrency))
        in_hand: set[asyncio.Task[None]] = set()

        def finished(task: asyncio.Task[None]) -> None:
            in_hand.discard(task)
            slots.release()

        try:
            while not self._stopping.is_set():
                await slots.acquire()  # a task is taken only when a slot is free
                if self._stopping.is_set():  # stopped while waiting for the slot: take nothing more
                    slots.release()
                    break
                try:
                    if loop.time() >= next_reclaim:
                        await self.reclaim_stale()
                        next_reclaim = loop.time() + self.reclaim_every
                    ready, processing, _ = self.keys
                    item = await self.client.blmove(ready, processing, self.block, "RIGHT", "LEFT")  # type: ignore[arg-type]
                except REDIS_ERRORS as exc:
                    slots.release()
                    self._outage.failed(exc, f"worker waits {self.retry_delay}s and tries again")
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), self.retry_delay)
                    continue
                except BaseException:
                    slots.release()
                    raise
                self._outage.ok()
                if item is None:
                    slots.release()
                    continue
                task = asyncio.create_task(self._handle(str(item), handlers))
                in_hand.add(task)
                task.add_done_callback(finished)
        except BaseException:  # cancelled (the process is going down): the tasks in hand go down with it, unacked
            for task in in_hand:
                task.cancel()
            await asyncio.gather(*in_hand, return_exceptions=True)
            raise
        # stopped: the tasks in hand are finished and acknowledged first
        await asyncio.gather(*in_hand, return_exceptions=True)

    async def reclaim_stale(self) -> int:
        """Put items whose lease ran out back at the head of ``ready``; returns how many."""
        return int(await self._reclaim(keys=list(self.keys), args=[self._lease_ms()]))

    async def _handle(self, item: str, handlers: Handlers) -> None:
        token = uuid.uuid4().hex
        try:
            await self._lease(keys=[self.keys[2]], args=[item, token, self._lease_ms(), "0"])
        except REDIS_ERRORS as exc:
            self._outage.failed(exc, "running the task without a lease; it may run again")
        renewing = asyncio.create_task(self._renew(item, token))
        try:
            await self._dispatch(item, handlers)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        try:
            await self._ack(keys=list(self.keys[1:]), args=[item, token])
        except REDIS_ERRORS as exc:
            self._outage.failed(exc, "could not acknowledge a finished task; it will run again")

    async def _dispatch(self, item: str, handlers: Handlers) -> None:
        try:
            body = json.loads(item)
            task, tx_id = str(body["task"]), str(body["tx_id"])
        except (ValueError, KeyError, TypeError):
            logger.exception("malformed task item %r dropped", item)
            return
        await dispatch(handlers, task, tx_id)

    async def _renew(self, item: str, token: str) -> None:
        while True:
            await asyncio.sleep(self.visibility_timeout / 3)
            try:
                await self._lease(keys=[self.keys[2]], args=[item, token, self._lease_ms(), "1"])
            except REDIS_ERRORS as exc:
                self._outage.failed(exc, "lease not renewed")

    def _lease_ms(self) -> int:
        return max(1, round(self.visibility_timeout * 1000))
