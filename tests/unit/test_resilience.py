"""The one circuit breaker: opens after consecutive failures, lets one trial through after the reset time, and a
refusal from the remote side (not counted) proves it is up."""

import pytest

from starshop.adapters.resilience import BreakerState, BreakerWatch, CircuitBreaker, CircuitOpen


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Transient(Exception):
    pass


class Refusal(Exception):
    pass


def breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker("test", threshold=3, reset_after=10, counts=lambda e: isinstance(e, Transient), clock=clock)


async def fail(b: CircuitBreaker, exc: Exception) -> None:
    with pytest.raises(type(exc)):
        async with b.guard():
            raise exc


async def test_it_opens_after_the_threshold_of_consecutive_failures_and_refuses_calls():
    clock = Clock()
    b = breaker(clock)
    for _ in range(2):
        await fail(b, Transient())
    assert b.state is BreakerState.CLOSED
    await fail(b, Transient())
    assert b.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen):
        async with b.guard():
            pass


async def test_after_the_reset_time_one_trial_closes_it_or_opens_it_again():
    clock = Clock()
    b = breaker(clock)
    for _ in range(3):
        await fail(b, Transient())
    clock.now = 11
    assert b.state is BreakerState.HALF_OPEN
    await fail(b, Transient())
    assert b.state is BreakerState.OPEN
    clock.now = 22
    async with b.guard():
        pass
    assert b.state is BreakerState.CLOSED


async def test_a_refusal_is_not_a_failure_and_resets_the_count():
    b = breaker(Clock())
    await fail(b, Transient())
    await fail(b, Transient())
    await fail(b, Refusal())
    await fail(b, Transient())
    assert b.state is BreakerState.CLOSED


async def test_the_watch_counts_a_breaker_open_until_a_trial_closes_it():
    clock = Clock()
    b = breaker(clock)
    watch = BreakerWatch({"fragment": b})
    assert watch.open_circuits() == {"fragment": False}
    for _ in range(3):
        await fail(b, Transient())
    assert watch.open_circuits() == {"fragment": True}
    clock.now = 11  # half open: still one opening, not a new one after a close
    assert watch.open_circuits() == {"fragment": True}
    async with b.guard():
        pass
    assert watch.open_circuits() == {"fragment": False}
