"""In-memory implementations of every port: the embedded test kit and the oracle for contract tests."""

from starshop.adapters.memory.clock import FixedClock, SequentialIds, SystemClock, UuidIds
from starshop.adapters.memory.delivery import ScriptedStarDelivery
from starshop.adapters.memory.gateway import ScriptedPaymentGateway
from starshop.adapters.memory.infra import (
    InMemoryCache,
    InMemoryEventPublisher,
    InMemoryTaskQueue,
    RecordingNotifier,
    UnlimitedRateLimiter,
)
from starshop.adapters.memory.store import (
    InMemoryLedgerReader,
    InMemoryOutboxUnitOfWork,
    InMemoryStore,
    InMemoryTransactionReader,
    InMemoryUnitOfWork,
)

__all__ = [
    "FixedClock",
    "InMemoryCache",
    "InMemoryEventPublisher",
    "InMemoryLedgerReader",
    "InMemoryOutboxUnitOfWork",
    "InMemoryStore",
    "InMemoryTaskQueue",
    "InMemoryTransactionReader",
    "InMemoryUnitOfWork",
    "RecordingNotifier",
    "ScriptedPaymentGateway",
    "ScriptedStarDelivery",
    "SequentialIds",
    "SystemClock",
    "UnlimitedRateLimiter",
    "UuidIds",
]
