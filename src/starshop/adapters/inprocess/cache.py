"""A dict with expiry times, read against an injectable monotonic clock."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs


def check_ttl(ttl: float) -> None:
    if not ttl > 0:
        msg = f"cache ttl must be positive seconds, got {ttl!r}"
        raise ValueError(msg)


@attrs.define
class InProcessCache:
    clock: Callable[[], float] = time.monotonic
    max_entries: int = 10_000
    _entries: dict[str, tuple[str, float]] = attrs.field(factory=dict, init=False)

    async def get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if self.clock() >= expires_at:
            del self._entries[key]
            return None
        return value

    async def set(self, key: str, value: str, *, ttl: float) -> None:
        check_ttl(ttl)
        self._entries.pop(key, None)
        self._entries[key] = (value, self.clock() + ttl)
        if len(self._entries) > self.max_entries:
            self._evict()

    async def add(self, key: str, value: str, *, ttl: float) -> bool:
        if await self.get(key) is not None:
            return False
        await self.set(key, value, ttl=ttl)
        return True

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._entries.pop(key, None)

    def _evict(self) -> None:
        now = self.clock()
        for key in [k for k, (_, expires_at) in self._entries.items() if now >= expires_at]:
            del self._entries[key]
        while len(self._entries) > self.max_entries:  # oldest write goes first
            del self._entries[next(iter(self._entries))]
