"""``Pacer`` on Redis: one schedule of turns for every worker process, kept in one key by one Lua script; time is
the Redis server's. While Redis is away each process paces itself alone (logged), so nothing goes out unpaced."""

from __future__ import annotations

import asyncio
import logging

import attrs
from redis.commands.core import AsyncScript

from starshop.adapters.inprocess.pacer import InProcessPacer, interval_of
from starshop.adapters.redis.client import REDIS_ERRORS, RedisClient, script
from starshop.adapters.redis.keys import DEFAULT_PREFIX, check_prefix
from starshop.adapters.redis.outage import OutageLog

logger = logging.getLogger(__name__)

# ARGV[1]: the interval (us); ARGV[2]: a hold-off (us), 0 to take a turn. Returns microseconds until the turn.
_TURN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local hold = tonumber(ARGV[2])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if hold > 0 then
  if now + hold > nxt then
    redis.call('SET', KEYS[1], now + hold, 'PX', math.ceil(hold / 1000) + 60000)
  end
  return 0
end
local turn = math.max(now, nxt)
redis.call('SET', KEYS[1], turn + interval, 'PX', math.ceil((turn + interval - now) / 1000) + 60000)
return turn - now
"""


@attrs.define
class RedisPacer:
    client: RedisClient
    per_second: float
    prefix: str = attrs.field(default=DEFAULT_PREFIX, converter=check_prefix)
    _alone: InProcessPacer = attrs.field(init=False)
    _outage: OutageLog = attrs.field(factory=lambda: OutageLog(logger, "broadcast pacer"), init=False)
    _script: AsyncScript = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._alone = InProcessPacer(self.per_second)
        self._script = script(self.client, _TURN)

    @property
    def key(self) -> str:
        return f"{self.prefix}broadcast:pace"

    async def _call(self, hold: float) -> float | None:
        args = [round(interval_of(self.per_second) * 1_000_000), round(hold * 1_000_000)]
        try:
            waited = await self._script(keys=[self.key], args=args)
        except REDIS_ERRORS as exc:
            self._outage.failed(exc, "pacing broadcast messages in this process alone")
            return None
        self._outage.ok()
        return int(waited) / 1_000_000

    async def wait(self) -> None:
        delay = await self._call(0)
        if delay is None:
            await self._alone.wait()
        elif delay > 0:
            await asyncio.sleep(delay)

    async def hold_off(self, seconds: float) -> None:
        await self._alone.hold_off(seconds)
        await self._call(max(seconds, 0.001))
