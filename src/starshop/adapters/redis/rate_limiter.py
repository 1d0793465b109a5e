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
from starshop.application.ports.infra import MAX_COPIES

logger = logging.getLogger(__name__)

MONEY_MOVING = frozenset({"recharge", "purchase"})

_SLIDING_WINDOW = """
local limit = tonumber(ARGV[1])
local window_us = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ttl = math.ceil(window_us / 1000)
local member = ARGV[3]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window_us)
if ARGV[4] == '1' and redis.call('ZSCORE', KEYS[1], member) then
  local copies = redis.call('HINCRBY', KEYS[2], member, 1)
  redis.call('PEXPIRE', KEYS[2], ttl)
  if copies <= tonumber(ARGV[5]) then
    return 1
  end
  member = ARGV[6]  -- too many copies: this one counts as a request of its own
elseif ARGV[4] == '1' then
  redis.call('HDEL', KEYS[2], member)
end
if redis.call('ZCARD', KEYS[1]) >= limit then
  return 0
end
redis.call('ZADD', KEYS[1], now, member)
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
"""

# A failed keyed request: its hit stays, under a member of its own, so the key's next copy counts anew.
_FORGET = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZADD', KEYS[1], score, ARGV[2])
end
redis.call('HDEL', KEYS[2], ARGV[1])
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
    _forget: AsyncScript = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._script = script(self.client, _SLIDING_WINDOW)
        self._forget = script(self.client, _FORGET)

    async def hit(self, user_id: int, action: str, *, key: str | None = None) -> bool:
        if action not in self.limits:
            return True
        limit, window = self.limits[action]
        # An unkeyed hit is a member of its own; a keyed one is its key's digest, counted once in the window.
        member, keyed = (uuid.uuid4().hex, 0) if key is None else (_digest(key), 1)
        redis_key = rate_limit_key(self.prefix, user_id, action)
        keys = [redis_key, redis_key + ":copies"]  # one hash tag: the same cluster slot
        args: list[int | str] = [limit, round(window * 1_000_000), member, keyed, MAX_COPIES, uuid.uuid4().hex]
        try:
            allowed = await self._script(keys=keys, args=args)
        except REDIS_ERRORS as exc:
            return self._when_down(exc, user_id, action)
        self._outage.ok()
        return bool(int(allowed))

    async def forget_key(self, user_id: int, action: str, *, key: str) -> None:
        if action not in self.limits:
            return
        redis_key = rate_limit_key(self.prefix, user_id, action)
        try:
            await self._forget(keys=[redis_key, redis_key + ":copies"], args=[_digest(key), uuid.uuid4().hex])
        except REDIS_ERRORS as exc:
            self._outage.failed(exc, f"could not forget a failed {action!r} key (user {user_id})")

    def _when_down(self, exc: BaseException, user_id: int, action: str) -> bool:
        allowed = action not in self.refuse_when_down
        verdict = "allowing" if allowed else "refusing"
        self._outage.failed(exc, f"{verdict} {action!r} (user {user_id}) without counting")
        return allowed
