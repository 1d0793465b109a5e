"""Simple in-memory stand-ins for the cache, limiter, queue, notifier and publisher, for tests and embedding."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from starshop.domain.events import Event


class InMemoryCache:
    """A dictionary without expiry: enough for tests that check invalidation."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self.data.get(key)

    async def set(self, key: str, value: str, *, ttl: float) -> None:
        self.data[key] = value

    async def add(self, key: str, value: str, *, ttl: float) -> bool:
        if key in self.data:
            return False
        self.data[key] = value
        return True

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self.data.pop(key, None)


class UnlimitedRateLimiter:
    """Allows everything unless a test refuses an action for a user."""

    def __init__(self) -> None:
        self.refused: set[tuple[int, str]] = set()
        self.hits: defaultdict[tuple[int, str], int] = defaultdict(int)
        self.forgotten: list[tuple[int, str, str]] = []

    async def hit(self, user_id: int, action: str, *, key: str | None = None) -> bool:
        self.hits[(user_id, action)] += 1
        return (user_id, action) not in self.refused

    async def forget_key(self, user_id: int, action: str, *, key: str) -> None:
        self.forgotten.append((user_id, action, key))


class RecordingNotifier:
    """Keeps what it was asked to say, once per event key (as a real notifier must)."""

    def __init__(self) -> None:
        self.sent: list[Event] = []
        self._keys: set[str] = set()
        self.fail_next = 0

    async def notify(self, event: Event) -> None:
        if self.fail_next:
            self.fail_next -= 1
            msg = "notifier is down"
            raise ConnectionError(msg)
        if event.key not in self._keys:
            self._keys.add(event.key)
            self.sent.append(event)


class InMemoryEventPublisher:
    def __init__(self) -> None:
        self.published: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.published.append(event)

    async def publish_many(self, events: Sequence[Event]) -> None:
        self.published.extend(events)


class InMemoryTaskQueue:
    """Collects tasks; a test (or the embedded wiring) drains them by hand."""

    def __init__(self) -> None:
        self.tasks: list[tuple[str, str]] = []

    async def enqueue(self, task: str, tx_id: str) -> None:
        self.tasks.append((task, tx_id))

    def drain(self) -> list[tuple[str, str]]:
        tasks, self.tasks = self.tasks, []
        return tasks
