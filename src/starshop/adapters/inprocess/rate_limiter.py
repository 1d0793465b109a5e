"""A sliding-window log per (user, action), the same rule the Redis limiter runs in Lua."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping

import attrs

RateLimits = Mapping[str, tuple[int, float]]
"""action -> (allowed hits, window in seconds). Actions not listed are not limited."""


def check_limits(limits: RateLimits) -> None:
    for action, (limit, window) in limits.items():
        if limit < 0 or not window > 0:
            msg = f"rate limit for {action!r} needs limit >= 0 and window > 0, got ({limit!r}, {window!r})"
            raise ValueError(msg)


@attrs.define
class InProcessRateLimiter:
    """A hit is allowed while fewer than ``limit`` hits were allowed in the last ``window`` seconds; a keyed hit
    whose key was counted in the window is allowed without counting again."""

    limits: RateLimits = attrs.field(validator=lambda _, __, value: check_limits(value))
    clock: Callable[[], float] = time.monotonic
    sweep_every: int = 1000
    _hits: dict[tuple[int, str], deque[tuple[float, str | None]]] = attrs.field(factory=dict, init=False)
    _since_sweep: int = attrs.field(default=0, init=False)

    async def hit(self, user_id: int, action: str, *, key: str | None = None) -> bool:
        if action not in self.limits:
            return True
        limit, window = self.limits[action]
        now = self.clock()
        self._maybe_sweep(now)
        hits = self._hits.setdefault((user_id, action), deque())
        while hits and hits[0][0] <= now - window:
            hits.popleft()
        if key is not None and any(counted == key for _, counted in hits):
            return True  # a copy of a request already counted in this window
        if len(hits) >= limit:
            return False
        hits.append((now, key))
        return True

    def _maybe_sweep(self, now: float) -> None:
        """Forget users whose every hit has left its window, so idle users cost no memory."""
        self._since_sweep += 1
        if self._since_sweep < self.sweep_every:
            return
        self._since_sweep = 0
        stale = [key for key, hits in self._hits.items() if not hits or hits[-1][0] <= now - self.limits[key[1]][1]]
        for key in stale:
            del self._hits[key]
