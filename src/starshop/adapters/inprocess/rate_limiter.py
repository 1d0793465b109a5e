"""A sliding-window log per (user, action), the same rule the Redis limiter runs in Lua."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping

import attrs

from starshop.application.ports.infra import MAX_COPIES

RateLimits = Mapping[str, tuple[int, float]]
"""action -> (allowed hits, window in seconds). Actions not listed are not limited."""


def check_limits(limits: RateLimits) -> None:
    for action, (limit, window) in limits.items():
        if limit < 0 or not window > 0:
            msg = f"rate limit for {action!r} needs limit >= 0 and window > 0, got ({limit!r}, {window!r})"
            raise ValueError(msg)


@attrs.define
class _Hit:
    at: float
    key: str | None
    copies: int = 0


@attrs.define
class InProcessRateLimiter:
    """A hit is allowed while fewer than ``limit`` hits were allowed in the last ``window`` seconds; a keyed hit
    whose key was counted in the window is allowed without counting again, ``MAX_COPIES`` times at most."""

    limits: RateLimits = attrs.field(validator=lambda _, __, value: check_limits(value))
    clock: Callable[[], float] = time.monotonic
    sweep_every: int = 1000
    _hits: dict[tuple[int, str], deque[_Hit]] = attrs.field(factory=dict, init=False)
    _since_sweep: int = attrs.field(default=0, init=False)

    async def hit(self, user_id: int, action: str, *, key: str | None = None) -> bool:
        if action not in self.limits:
            return True
        limit, window = self.limits[action]
        now = self.clock()
        self._maybe_sweep(now)
        hits = self._hits.setdefault((user_id, action), deque())
        while hits and hits[0].at <= now - window:
            hits.popleft()
        first = next((hit for hit in hits if key is not None and hit.key == key), None)
        if first is not None and first.copies < MAX_COPIES:
            first.copies += 1
            return True  # a copy of a request already counted in this window
        if len(hits) >= limit:
            return False
        hits.append(_Hit(now, key if first is None else None))
        return True

    async def forget_key(self, user_id: int, action: str, *, key: str) -> None:
        for hit in self._hits.get((user_id, action), ()):
            if hit.key == key:
                hit.key = None

    def _maybe_sweep(self, now: float) -> None:
        """Forget users whose every hit has left its window (or whose action is no longer limited), so idle users
        cost no memory."""
        self._since_sweep += 1
        if self._since_sweep < self.sweep_every:
            return
        self._since_sweep = 0
        stale = [
            key
            for key, hits in self._hits.items()
            if key[1] not in self.limits or not hits or hits[-1].at <= now - self.limits[key[1]][1]
        ]
        for key in stale:
            del self._hits[key]
