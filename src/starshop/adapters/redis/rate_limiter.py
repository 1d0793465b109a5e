"""``RateLimiter`` on Redis: a sliding-window log per (user, action), checked and recorded in one Lua script,
so any number of instances share one exact count. Time is the Redis server's, so instance clocks do not matter.

When Redis is away the limiter cannot count; it answers by policy instead of raising: actions that move money
(``refuse_when_down``) are refused, every other action is allowed. Each hit tries Redis again, so the limiter
recovers by itself.
"""

from __future__ import annotations

import hashlib
import logging
import uuid

import attrs
from redis.commands.core import AsyncScript

from starshop.adapters.inprocess.rate_limiter import RateLimits, check_limits
from starshop.adapters.redis.client import REDIS_ERRORS, RedisClient, script
from starshop.adapters.redis.keys import DEFAULT_PREFIX, check_prefix, rate_limit_key
from starshop.adapters.redis.outage import OutageLog

logger = logging.getLogger(__name__)

MONEY_MOVING = frozenset({"recharge", "purchase"})

_SLIDING_WINDOW = """
local limit = tonumber(ARGV[1])
local window_us = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window_us)
if ARGV[4] == '1' and redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  return 1
end
if redis.call('ZCARD', KEYS[1]) >= limit then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window_us / 1000))
return 1
"""


def _digest(key: str) -> str:
    return "k:" + hashlib.sha256(key.encode()).hexdigest()[:32]


@attrs.define
class RedisRateLimiter:
    client: RedisClient
    limits: RateLimits = attrs.field(validator=lambda _, __, value: check_limits(value))
    refuse_when_down: frozenset[str] = MONEY_MOVING
    prefix: str = attrs.field(default=DEFAULT_PREFIX, converter=check_prefix)
    _outage: OutageLog = attrs.field(factory=lambda: OutageLog(logger, "rate limiter"), init=False)
    _script: AsyncScript = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._script = script(self.client, _SLIDING_WINDOW)

    async def hit(self, user_id: int, action: str, *, key: str | None = None) -> bool:
        if action not in self.limits:
            return True
        limit, window = self.limits[action]
        # An unkeyed hit is a member of its own; a keyed one is its key's digest, counted once in the window.
        member, keyed = (uuid.uuid4().hex, 0) if key is None else (_digest(key), 1)
        redis_key = rate_limit_key(self.prefix, user_id, action)
        try:
            allowed = await self._script(keys=[redis_key], args=[limit, round(window * 1_000_000), member, keyed])
        except REDIS_ERRORS as exc:
            return self._when_down(exc, user_id, action)
        self._outage.ok()
        return bool(int(allowed))

    def _when_down(self, exc: BaseException, user_id: int, action: str) -> bool:
        allowed = action not in self.refuse_when_down
        verdict = "allowing" if allowed else "refusing"
        self._outage.failed(exc, f"{verdict} {action!r} (user {user_id}) without counting")
        return allowed
