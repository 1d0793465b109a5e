"""The broadcast ``Pacer`` on its in-process twin and on Redis: turns are spaced across every caller (on Redis,
across separate clients as separate worker processes would be), and a hold-off delays every caller."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from redis_support import Clients
from tests.support import REDIS_URL

from starshop.adapters.inprocess.pacer import HEADROOM, InProcessPacer
from starshop.adapters.redis.pacer import RedisPacer
from starshop.application.ports import Pacer

RATE = 100  # the setting stops at 30; the adapters take more, so this suite is quick


@pytest.fixture
def pacers(implementation: str, clients: Clients, prefix: str) -> Callable[[], Pacer]:
    if implementation == "inprocess":
        shared = InProcessPacer(RATE)
        return lambda: shared  # one process: every caller shares the one pacer
    return lambda: RedisPacer(clients.open(REDIS_URL), RATE, prefix=prefix)


async def _turns(pacer: Pacer, n: int, times: list[float]) -> None:
    for _ in range(n):
        await pacer.wait()
        times.append(time.monotonic())


async def test_turns_of_every_caller_keep_the_rate(pacers: Callable[[], Pacer]) -> None:
    times: list[float] = []
    await asyncio.gather(*(_turns(pacers(), 15, times) for _ in range(3)))
    times.sort()
    interval = HEADROOM / RATE
    assert len(times) == 45
    assert times[-1] - times[0] >= interval * 44 * 0.95
    for start in times:  # any window of 1/10 s holds at most its share, plus one
        assert sum(1 for t in times if start <= t < start + 0.1) <= RATE / 10 + 1


async def test_a_hold_off_delays_every_caller(pacers: Callable[[], Pacer]) -> None:
    first, second = pacers(), pacers()
    await first.wait()
    started = time.monotonic()
    await first.hold_off(0.3)
    await second.wait()
    assert time.monotonic() - started >= 0.28
