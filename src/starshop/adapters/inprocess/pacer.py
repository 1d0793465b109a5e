"""``Pacer`` in one process: turns ``HEADROOM / rate`` seconds apart, reserved in order by whoever asks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

# Turns are a tenth further apart than the rate alone asks: a message leaves a little after its turn (scheduling,
# the network), and without the margin two late ones could put rate + 1 messages in some second.
HEADROOM = 1.1


def interval_of(per_second: float) -> float:
    if not 0 < per_second <= 1000:
        msg = f"a broadcast rate is above 0 and at most 1000 messages a second, got {per_second}"
        raise ValueError(msg)
    return HEADROOM / per_second


class InProcessPacer:
    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = interval_of(per_second)
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0

    def reserve(self) -> float:
        """Take the next turn; seconds until it comes."""
        now = self._clock()
        turn = max(now, self._next)
        self._next = turn + self.interval
        return turn - now

    async def wait(self) -> None:
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)

    async def hold_off(self, seconds: float) -> None:
        self._next = max(self._next, self._clock() + seconds)
