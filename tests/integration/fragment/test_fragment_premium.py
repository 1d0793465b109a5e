"""Telegram Premium through the hosted service, against its fake: ``/buyPremiumWithoutKYC`` (``/buyPremium`` with
cookies, body field ``duration``), the three outcomes under every fault, and ``/getOrders`` rows of Premium gifts
(``duration``, no ``amount``) found, kept apart from star orders, and listed by the order history."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from conftest import COOKIES, SEED  # type: ignore[import-not-found]
from starshop.adapters.fragment import HttpxFragmentDelivery
from starshop.application.ports import Delivered, DeliveryOrder, Refused, Unknown
from starshop.domain import Product
from starshop.testing.fakes import FakeFragment
from starshop.testing.fakes.fragment import BUY, BUY_PREMIUM, BUY_PREMIUM_KYC


def premium(recipient: str = "alice_user", months: int = 3, started_at: datetime | None = None) -> DeliveryOrder:
    return DeliveryOrder(
        purchase_id="tx-p",
        recipient=recipient,
        stars=None,
        product=Product.PREMIUM,
        months=months,
        started_at=started_at or datetime.now(UTC),
    )


async def test_a_gift_goes_through_buy_premium_without_kyc_with_its_duration(
    fake: FakeFragment, delivery: HttpxFragmentDelivery
) -> None:
    outcome = await delivery.deliver(premium(months=6))

    [order] = fake.orders
    assert isinstance(outcome, Delivered)
    assert (outcome.receipt.ref_id, outcome.receipt.tx_hash, outcome.receipt.cost) == (order.ref_id, order.txid, "5.2")
    body = fake.last_body[BUY_PREMIUM]
    assert set(body) == {"username", "seed", "duration"}
    assert (body["username"], body["duration"]) == ("alice_user", 6)
    assert base64.b64decode(body["seed"]).decode() == SEED
    assert (fake.calls[BUY_PREMIUM], fake.calls[BUY]) == (1, 0)
    assert (order.amount, order.duration) == (None, 6)


async def test_with_cookies_a_gift_goes_through_buy_premium(
    fake: FakeFragment, kyc_delivery: HttpxFragmentDelivery
) -> None:
    assert isinstance(await kyc_delivery.deliver(premium(months=12)), Delivered)
    body = fake.last_body[BUY_PREMIUM_KYC]
    assert set(body) == {"username", "seed", "duration", "fragment_cookies", "show_sender"}
    assert (body["duration"], body["show_sender"]) == (12, False)
    assert base64.b64decode(body["fragment_cookies"]).decode() == COOKIES
    assert fake.calls[BUY_PREMIUM] == 0


@pytest.mark.parametrize(
    ("recipient", "months", "balance", "reason"),
    [
        ("nobody_here", 3, "10", "User not found"),
        ("bad name!", 3, "10", "Invalid username format"),
        ("alice_user", 3, "1", "Insufficient balance"),
        ("alice_user", 5, "10", "Validation error"),
    ],
    ids=["unknown user", "bad username", "empty wallet", "months the service refuses"],
)
async def test_a_refusal_before_buying_is_refused(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, recipient: str, months: int, balance: str, reason: str
) -> None:
    fake.balance = Decimal(balance)
    assert await delivery.deliver(premium(recipient, months)) == Refused(reason=reason)
    assert fake.orders == []


async def test_a_200_with_success_false_is_a_refusal(fake: FakeFragment, delivery: HttpxFragmentDelivery) -> None:
    fake.refuse(BUY_PREMIUM, message="Premium is not available for this user")
    assert await delivery.deliver(premium()) == Refused(reason="Premium is not available for this user")


@pytest.mark.parametrize(
    "fault",
    [
        lambda fake: fake.fail(BUY_PREMIUM, after_recording=True),
        lambda fake: fake.answer_slowly(BUY_PREMIUM, seconds=1),
        lambda fake: fake.drop_connection(BUY_PREMIUM),
        lambda fake: fake.garble(BUY_PREMIUM),
    ],
    ids=["5xx after buying", "answer too late", "dropped connection", "garbled 200"],
)
async def test_an_unclear_answer_after_buying_is_unknown_and_the_lookup_finds_the_gift(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, fault: Callable[[FakeFragment], None]
) -> None:
    fault(fake)
    order = premium(months=3, started_at=datetime.now(UTC) - timedelta(seconds=1))
    assert isinstance(await delivery.deliver(order), Unknown)

    receipt = await delivery.find_order(order, until=datetime.now(UTC) + timedelta(seconds=5))

    [bought] = fake.orders
    assert receipt is not None and receipt.ref_id == bought.ref_id
    assert fake.calls[BUY_PREMIUM] == 1  # looked up, never bought again


async def test_a_5xx_before_buying_is_unknown_and_the_lookup_finds_nothing(
    fake: FakeFragment, delivery: HttpxFragmentDelivery
) -> None:
    fake.fail(BUY_PREMIUM)
    order = premium()
    assert isinstance(await delivery.deliver(order), Unknown)
    assert await delivery.find_order(order, until=datetime.now(UTC)) is None


@pytest.mark.parametrize(
    ("stars", "months", "username"),
    [(50, None, "alice_user"), (None, 6, "alice_user"), (None, 3, "bob_builder")],
    ids=["a star order", "other months", "other recipient"],
)
async def test_the_lookup_of_a_gift_ignores_orders_that_are_not_it(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, stars: int | None, months: int | None, username: str
) -> None:
    started = datetime.now(UTC) - timedelta(minutes=10)
    fake.add_order(username, stars, months=months, created_at=started + timedelta(minutes=1))
    assert (
        await delivery.find_order(premium(months=3, started_at=started), until=started + timedelta(minutes=5)) is None
    )


async def test_a_star_lookup_and_a_gift_lookup_each_find_their_own_order(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, make_order: Callable[..., DeliveryOrder]
) -> None:
    started = datetime.now(UTC) - timedelta(minutes=10)
    gift = fake.add_order("alice_user", months=3, created_at=started + timedelta(minutes=2))
    stars = fake.add_order("alice_user", 50, created_at=started + timedelta(minutes=1))
    order = make_order(stars=50, started_at=started)
    receipt = await delivery.find_order(order, until=started + timedelta(minutes=5))
    assert receipt is not None and receipt.ref_id == stars.ref_id
    found = await delivery.find_order(premium(months=3, started_at=started), until=started + timedelta(minutes=5))
    assert found is not None and found.ref_id == gift.ref_id


async def test_get_orders_lists_a_gift_with_its_duration_and_no_amount(fake: FakeFragment) -> None:
    fake.add_order("alice_user", months=12)
    fake.add_order("alice_user", 50)
    body = {"seed": base64.b64encode(SEED.encode()).decode(), "limit": 10, "offset": 0}
    async with httpx.AsyncClient(base_url=fake.url) as client:
        rows = (await client.post("/getOrders", json=body)).json()["orders"]
    assert {tuple(sorted(row)) for row in rows} == {
        ("cost", "created_at", "duration", "ref_id", "txid", "username"),
        ("amount", "cost", "created_at", "ref_id", "txid", "username"),
    }


async def test_the_order_history_lists_gifts_and_stars_apart(
    fake: FakeFragment, delivery: HttpxFragmentDelivery
) -> None:
    now = datetime.now(UTC)
    gift = fake.add_order("alice_user", months=6, created_at=now - timedelta(minutes=2))
    stars = fake.add_order("bob_builder", 100, created_at=now - timedelta(minutes=1))
    history = await delivery.order_history(since=now - timedelta(minutes=5), until=now)
    assert [(o.receipt.ref_id, o.stars, o.months) for o in history] == [
        (stars.ref_id, 100, None),
        (gift.ref_id, None, 6),
    ]
