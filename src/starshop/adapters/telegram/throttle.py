"""Telegram's sending limits: about one message a second per chat and thirty a second overall."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class SendThrottle:
    """An async token bucket for the global rate plus a minimum interval per chat. ``await wait(chat_id)``."""

    def __init__(
        self,
        *,
        per_second: float = 30.0,
        per_chat_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = per_second
        self._capacity = per_second
        self._tokens = per_second
        self._per_chat = per_chat_interval
        self._clock = clock
        self._updated = clock()
        self._next_for_chat: dict[int, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, chat_id: int) -> None:
        async with self._lock:
            now = self._clock()
            chat_delay = max(self._next_for_chat.get(chat_id, now) - now, 0.0)
            self._refill(now)
            global_delay = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self._rate
            delay = max(chat_delay, global_delay)
            # Reserve the slot now so concurrent senders queue up behind it.
            self._tokens -= 1
            self._next_for_chat[chat_id] = now + delay + self._per_chat
            if len(self._next_for_chat) > 10_000:
                self._forget(now)
        if delay > 0:
            await asyncio.sleep(delay)

    def _refill(self, now: float) -> None:
        self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
        self._updated = now

    def _forget(self, now: float) -> None:
        for chat_id in [c for c, at in self._next_for_chat.items() if at <= now]:
            del self._next_for_chat[chat_id]
