"""The one retry helper and the one circuit breaker that every outbound HTTP adapter uses.

Retries come from ``stamina`` (exponential backoff with jitter). Only calls that are safe to repeat may be
wrapped in ``retrying``; a star purchase never is.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from enum import StrEnum

import attrs
import stamina


class CircuitOpen(Exception):
    """The breaker is open: the call was not attempted."""


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@attrs.define
class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; after ``reset_after`` seconds lets one trial call through.

    A failure is any exception for which ``counts`` returns true; other exceptions (a definite refusal from the
    remote side) prove it is up and close the breaker.
    """

    name: str
    threshold: int = 5
    reset_after: float = 30.0
    counts: Callable[[BaseException], bool] = lambda exc: True
    clock: Callable[[], float] = time.monotonic
    _failures: int = 0
    _opened_at: float | None = None
    _trial_running: bool = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self.clock() - self._opened_at >= self.reset_after:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    @asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        state = self.state
        if state is BreakerState.OPEN or (state is BreakerState.HALF_OPEN and self._trial_running):
            msg = f"circuit {self.name!r} is open"
            raise CircuitOpen(msg)
        self._trial_running = state is BreakerState.HALF_OPEN
        try:
            yield
        except BaseException as exc:
            if self.counts(exc):
                self._record_failure()
            else:
                self._record_success()
            raise
        else:
            self._record_success()
        finally:
            self._trial_running = False

    def _record_failure(self) -> None:
        self._failures += 1
        if self._opened_at is not None or self._failures >= self.threshold:
            self._opened_at = self.clock()

    def _record_success(self) -> None:
        self._failures = 0
        self._opened_at = None


@attrs.frozen
class BreakerWatch:
    """The ``CircuitWatch`` port over this process's breakers, by name."""

    breakers: Mapping[str, CircuitBreaker]

    def open_circuits(self) -> Mapping[str, bool]:
        return {name: breaker.state is not BreakerState.CLOSED for name, breaker in self.breakers.items()}


@attrs.frozen(kw_only=True)
class RetryPolicy:
    attempts: int = 3
    timeout: float = 30.0
    wait_initial: float = 0.2
    wait_max: float = 3.0


def retrying(policy: RetryPolicy, on: Callable[[Exception], bool]) -> stamina._core._RetryContextIterator:
    """``async for attempt in retrying(policy, on=is_transient): with attempt: ...`` (never a plain ``for``
    in async code: its waits would block the loop)."""
    return stamina.retry_context(
        on=on,
        attempts=policy.attempts,
        timeout=policy.timeout,
        wait_initial=policy.wait_initial,
        wait_max=policy.wait_max,
    )
