"""Ports for time, ids, caching, rate limits, background work and telling people things."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from starshop.domain.events import Event


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """At most 32 characters of ``[A-Za-z0-9_-]`` so it can serve as a gateway order id."""
        ...


class Cache(Protocol):
    """Never consulted to decide whether money may be spent."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, *, ttl: float) -> None: ...

    async def add(self, key: str, value: str, *, ttl: float) -> bool:
        """Set only if absent, atomically across instances; ``True`` if this call set it.

        When the cache cannot be reached it answers ``True`` (the caller goes ahead, at least once)."""
        ...

    async def delete(self, *keys: str) -> None: ...


MAX_COPIES = 32  # copies of one keyed request let through uncounted while its first hit is in the window


class RateLimiter(Protocol):
    async def hit(self, user_id: int, action: str, *, key: str | None = None) -> bool:
        """Count one use of ``action`` by the user; ``True`` if it is allowed. Never raises.

        A ``key`` (a request's idempotency key and what it asks for) is counted once: while its first hit is in
        the window, up to ``MAX_COPIES`` more hits with the same key are allowed without counting, so copies of one
        request sent at once are all let through to find the one transaction they share."""
        ...

    async def forget_key(self, user_id: int, action: str, *, key: str) -> None:
        """The keyed request failed and created nothing: its hit stays counted, but later hits with the key are
        counted as new ones (a retry of a refused request gets no free pass). Never raises."""
        ...


class Notifier(Protocol):
    async def notify(self, event: Event) -> None:
        """Tell the user the event concerns. Called only after the commit that made it true."""
        ...


class EventPublisher(Protocol):
    async def publish(self, event: Event) -> None: ...

    async def publish_many(self, events: Sequence[Event]) -> None:
        """The same as publishing each in order, in one round trip where the transport allows."""
        ...


class EventSubscriber(Protocol):
    def subscribe(self, user_id: int) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        """``async with subscriber.subscribe(user_id) as events: async for event in events: ...``"""
        ...


class TaskQueue(Protocol):
    async def enqueue(self, task: str, tx_id: str) -> None:
        """Tasks carry ids only; the database row is the source of truth."""
        ...


class TaskRunner(Protocol):
    """The consuming side of a task queue: the worker's task runner."""

    async def run(self, handlers: Mapping[str, Callable[[str], Awaitable[None]]]) -> None:
        """Call the handler named by each task with its id until ``stop()``; the task in hand is finished first."""
        ...

    def stop(self) -> None: ...


class CircuitWatch(Protocol):
    def open_circuits(self) -> Mapping[str, bool]:
        """This process's circuit breakers by name (``heleket``, ``fragment``): ``True`` while one is not closed
        (open, or waiting for its trial call to prove the remote side is back)."""
        ...


DELIVER_PURCHASE = "deliver_purchase"
PLACE_ORDER = "place_order"
"""Carries the id of a credited recharge an order waits for."""
