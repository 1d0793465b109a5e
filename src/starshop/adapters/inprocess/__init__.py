"""In-process adapters: one process, no network. The Redis adapters' twins (cache, rate limiter, real-time events,
task queue) and the in-memory store (persistence when ``Sections.database`` is ``None``: the test kit, an embedder's
tests, the contract suites' reference)."""

from starshop.adapters.inprocess.cache import InProcessCache
from starshop.adapters.inprocess.event_bus import InProcessEventBus, InProcessSubscription
from starshop.adapters.inprocess.rate_limiter import InProcessRateLimiter, RateLimits
from starshop.adapters.inprocess.store import (
    InMemoryLedgerReader,
    InMemoryOutboxUnitOfWork,
    InMemoryStore,
    InMemoryTransactionReader,
    InMemoryUnitOfWork,
)
from starshop.adapters.inprocess.task_queue import Handlers, InProcessTaskQueue

__all__ = [
    "Handlers",
    "InMemoryLedgerReader",
    "InMemoryOutboxUnitOfWork",
    "InMemoryStore",
    "InMemoryTransactionReader",
    "InMemoryUnitOfWork",
    "InProcessCache",
    "InProcessEventBus",
    "InProcessRateLimiter",
    "InProcessSubscription",
    "InProcessTaskQueue",
    "RateLimits",
]
