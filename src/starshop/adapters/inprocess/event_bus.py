"""Real-time events for subscribers in this process (websocket handlers): one bounded queue each."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import attrs

from starshop.domain.events import Event

logger = logging.getLogger(__name__)


@attrs.define(eq=False)
class InProcessSubscription:
    """Async iterator of one user's events; a slow reader loses the oldest ones, never blocks publishers."""

    user_id: int
    queue: asyncio.Queue[Event]

    def __aiter__(self) -> InProcessSubscription:
        return self

    async def __anext__(self) -> Event:
        return await self.queue.get()

    def offer(self, event: Event) -> None:
        if self.queue.full():
            dropped = self.queue.get_nowait()
            logger.warning("subscriber of user %s is slow; dropped event %s", self.user_id, dropped.key)
        self.queue.put_nowait(event)


@attrs.define
class InProcessEventBus:
    max_queued: int = 100
    _subscribers: dict[int, set[InProcessSubscription]] = attrs.field(factory=dict, init=False)

    async def publish(self, event: Event) -> None:
        for subscription in tuple(self._subscribers.get(event.user_id, ())):
            subscription.offer(event)

    async def publish_many(self, events: Sequence[Event]) -> None:
        for event in events:
            await self.publish(event)

    @asynccontextmanager
    async def subscribe(self, user_id: int) -> AsyncIterator[InProcessSubscription]:
        subscription = InProcessSubscription(user_id, asyncio.Queue(maxsize=self.max_queued))
        self._subscribers.setdefault(user_id, set()).add(subscription)
        try:
            yield subscription
        finally:
            subscribers = self._subscribers.get(user_id, set())
            subscribers.discard(subscription)
            if not subscribers:
                self._subscribers.pop(user_id, None)

    def subscriber_count(self, user_id: int) -> int:
        return len(self._subscribers.get(user_id, ()))
