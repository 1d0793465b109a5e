from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from starshop.adapters.heleket import HttpxHeleketGateway, is_transient
from starshop.adapters.resilience import CircuitBreaker, RetryPolicy
from starshop.testing.fakes import FakeHeleket, HttpRequest, LocalHttpServer


@pytest.fixture
async def fake() -> AsyncIterator[FakeHeleket]:
    async with FakeHeleket() as fake:
        yield fake


@pytest.fixture
def breaker() -> CircuitBreaker:
    return CircuitBreaker(name="heleket", threshold=3, reset_after=60.0, counts=is_transient)


@pytest.fixture
async def gateway(fake: FakeHeleket, breaker: CircuitBreaker) -> AsyncIterator[HttpxHeleketGateway]:
    gateway = HttpxHeleketGateway(
        base_url=fake.base_url,
        merchant_uuid=fake.merchant_uuid,
        payment_key=fake.payment_key,
        callback_url="https://bot.example.com/heleket/webhook",
        connect_timeout=1.0,
        read_timeout=0.5,
        retry=RetryPolicy(attempts=3),
        breaker=breaker,
    )
    yield gateway
    await gateway.aclose()


@pytest.fixture
def received() -> list[bytes]:
    """The bodies of the webhooks our side received, in order."""
    return []


@pytest.fixture
async def webhook_url(received: list[bytes]) -> AsyncIterator[str]:
    """Our side of the webhooks: records every body and answers 200."""

    async def record(request: HttpRequest) -> tuple[int, bytes]:
        received.append(request.body)
        return 200, b"{}"

    async with LocalHttpServer(record) as server:
        yield f"{server.base_url}/heleket/webhook"
