from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from starshop.adapters.fragment import HttpxFragmentDelivery
from starshop.application.ports import DeliveryOrder
from starshop.testing.fakes import FakeFragment

SEED = (
    "tiger orbit velvet canyon mosaic lantern harbor quiver falcon meadow copper dune "
    "ember glacier nectar pilot raven saddle timber umbra violet walnut yonder zephyr"
)
COOKIES = "stel_ssid=ssid-secret-1; stel_dt=-180; stel_token=token-secret-2; stel_ton_token=ton-secret-3"
USERS = {"alice_user", "bob_builder"}
TIMEOUT = 0.3


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
async def fake() -> AsyncIterator[FakeFragment]:
    service = FakeFragment(
        seed=SEED, cookies=COOKIES, users=USERS, balance=Decimal("10"), price_per_star=Decimal("0.0156")
    )
    async with service.running():
        yield service


@pytest.fixture
async def make_delivery(fake: FakeFragment) -> AsyncIterator[Callable[..., HttpxFragmentDelivery]]:
    made: list[HttpxFragmentDelivery] = []

    def make(**config: Any) -> HttpxFragmentDelivery:
        settings: dict[str, Any] = {
            "base_url": fake.url,
            "seed": SEED,
            "connect_timeout": TIMEOUT,
            "read_timeout": TIMEOUT,
            "lookup_timeout": TIMEOUT,
        }
        made.append(HttpxFragmentDelivery(**(settings | config)))
        return made[-1]

    yield make
    for delivery in made:
        await delivery.aclose()


@pytest.fixture
def delivery(make_delivery: Callable[..., HttpxFragmentDelivery]) -> HttpxFragmentDelivery:
    return make_delivery()


@pytest.fixture
def kyc_delivery(make_delivery: Callable[..., HttpxFragmentDelivery]) -> HttpxFragmentDelivery:
    return make_delivery(cookies=COOKIES)


@pytest.fixture
def make_order() -> Callable[..., DeliveryOrder]:
    def make(recipient: str = "alice_user", stars: int = 50, started_at: datetime | None = None) -> DeliveryOrder:
        return DeliveryOrder(
            purchase_id="tx-1", recipient=recipient, stars=stars, started_at=started_at or datetime.now(UTC)
        )

    return make
