"""``Cache`` on Redis. A cache is never needed for correctness: when Redis is away, reads miss and writes are
dropped, with one warning per outage."""

from __future__ import annotations

import logging

import attrs

from starshop.adapters.inprocess.cache import check_ttl
from starshop.adapters.redis.client import REDIS_ERRORS, RedisClient
from starshop.adapters.redis.keys import DEFAULT_PREFIX, cache_key, check_prefix
from starshop.adapters.redis.outage import OutageLog

logger = logging.getLogger(__name__)


@attrs.define
class RedisCache:
    """Keys are stored as ``<prefix>cache:<key>``; put ``{u:<id>}`` in a key to keep it in the user's slot."""

    client: RedisClient
    prefix: str = attrs.field(default=DEFAULT_PREFIX, converter=check_prefix)
    _outage: OutageLog = attrs.field(factory=lambda: OutageLog(logger, "cache"), init=False)

    async def get(self, key: str) -> str | None:
        try:
            value = await self.client.get(cache_key(self.prefix, key))
        except REDIS_ERRORS as exc:
            self._outage.failed(exc, "reading as a miss")
            return None
        self._outage.ok()
        return None if value is None else str(value)

    async def set(self, key: str, value: str, *, ttl: float) -> None:
        check_ttl(ttl)
        try:
            await self.client.set(cache_key(self.prefix, key), value, px=max(1, round(ttl * 1000)))
        except REDIS_ERRORS as exc:
            self._outage.failed(exc, "write dropped")
            return
        self._outage.ok()

    async def add(self, key: str, value: str, *, ttl: float) -> bool:
        check_ttl(ttl)
        try:
            added = await self.client.set(cache_key(self.prefix, key), value, px=max(1, round(ttl * 1000)), nx=True)
        except REDIS_ERRORS as exc:
            self._outage.failed(exc, "set-if-absent answered yes")
            return True
        self._outage.ok()
        return bool(added)

    async def delete(self, *keys: str) -> None:
        if not keys:
            return
        try:
            await self.client.delete(*(cache_key(self.prefix, key) for key in keys))
        except REDIS_ERRORS as exc:
            self._outage.failed(exc, "delete dropped; entries expire by their ttl")
            return
        self._outage.ok()
