"""Every ``StarDelivery`` reads its provider's order history alike: the scripted fake, the sandbox, and the hosted
Fragment service's adapter (against the local fake of the service)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from starshop.adapters.fragment import HttpxFragmentDelivery
from starshop.adapters.sandbox import SandboxStarDelivery
from starshop.application.ports import Delivered, DeliveryLookupFailed, DeliveryOrder, ProviderOrder, StarDelivery
from starshop.testing.doubles import ScriptedStarDelivery
from starshop.testing.fakes import FakeFragment

NOW = datetime.now(UTC).replace(microsecond=0)


@attrs.define
class Provider:
    delivery: StarDelivery
    buy: Callable[[str, int, datetime], Awaitable[ProviderOrder]]
    break_lookups: Callable[[], None] | None


def _buyer(delivery: StarDelivery, before: Callable[[datetime], None] = lambda _: None) -> Callable[..., Awaitable]:
    async def buy(recipient: str, stars: int, at: datetime) -> ProviderOrder:
        before(at)
        order = DeliveryOrder(purchase_id=f"p-{recipient}-{stars}", recipient=recipient, stars=stars, started_at=at)
        outcome = await delivery.deliver(order)
        assert isinstance(outcome, Delivered)
        return ProviderOrder(recipient=recipient, stars=stars, created_at=at, receipt=outcome.receipt)

    return buy


@pytest.fixture(params=["scripted", "sandbox", "fragment"])
def provider(request: pytest.FixtureRequest) -> Provider:
    if request.param == "scripted":
        scripted = ScriptedStarDelivery()
        return Provider(scripted, _buyer(scripted), lambda: setattr(scripted, "lookup_fails", True))
    if request.param == "sandbox":
        sandbox = SandboxStarDelivery()
        return Provider(sandbox, _buyer(sandbox), None)
    fake: FakeFragment = request.getfixturevalue("fake")
    delivery: HttpxFragmentDelivery = request.getfixturevalue("make_delivery")(page_size=2)

    def at(moment: datetime) -> None:
        fake.clock = lambda: moment

    return Provider(delivery, _buyer(delivery, at), lambda: fake.fail("/getOrders", times=10))


async def test_the_order_history_lists_every_order_of_a_window_newest_first(provider: Provider) -> None:
    oldest = await provider.buy("alice_user", 50, NOW - timedelta(minutes=50))
    middle = await provider.buy("bob_builder", 60, NOW - timedelta(minutes=30))
    newest = await provider.buy("alice_user", 70, NOW - timedelta(minutes=10))
    await provider.buy("bob_builder", 80, NOW - timedelta(minutes=1))

    window = await provider.delivery.order_history(since=NOW - timedelta(minutes=40), until=NOW - timedelta(minutes=5))
    assert window == [newest, middle]
    everything = await provider.delivery.order_history(since=NOW - timedelta(hours=1), until=NOW)
    assert [o.stars for o in everything] == [80, 70, 60, 50]
    assert oldest in everything
    assert await provider.delivery.order_history(since=NOW - timedelta(days=2), until=NOW - timedelta(days=1)) == []


@pytest.mark.parametrize("provider", ["scripted", "fragment"], indirect=True)  # the sandbox's is in-process
async def test_an_order_history_that_cannot_be_read_raises_lookup_failed(provider: Provider) -> None:
    assert provider.break_lookups is not None
    await provider.buy("alice_user", 50, NOW - timedelta(minutes=5))
    provider.break_lookups()
    with pytest.raises(DeliveryLookupFailed):
        await provider.delivery.order_history(since=NOW - timedelta(hours=1), until=NOW)
