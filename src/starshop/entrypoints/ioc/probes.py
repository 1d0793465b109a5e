"""What readiness and ``/metrics`` ask of the persistence and the queue, whichever technology serves them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs

HealthCheck = Callable[[], Awaitable[tuple[bool, str]]]


@attrs.frozen
class DatabaseHealth:
    check: HealthCheck


@attrs.frozen
class RedisHealth:
    check: HealthCheck


@attrs.frozen
class OutboxBacklog:
    """Messages waiting, the oldest one's age in seconds, and messages set aside (quarantined)."""

    measure: Callable[[], Awaitable[tuple[int, float, int]]]


@attrs.frozen
class QueueDepth:
    measure: Callable[[], Awaitable[int]]
