from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from starshop.adapters.fragment import HttpxFragmentDelivery
from starshop.application.ports import DeliveryLookupFailed, DeliveryOrder, Unknown
from starshop.testing.fakes import FakeFragment

BUY = "/buyStarsWithoutKYC"
ORDERS = "/getOrders"


async def test_find_order_finds_the_purchase_that_answered_too_late(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, make_order: Callable[..., DeliveryOrder]
) -> None:
    order = make_order(stars=50)
    fake.answer_slowly(BUY, seconds=2)
    assert isinstance(await delivery.deliver(order), Unknown)

    receipt = await delivery.find_order(order, until=datetime.now(UTC))

    (recorded,) = fake.orders
    assert receipt is not None
    assert (receipt.ref_id, receipt.tx_hash, receipt.cost) == (recorded.ref_id, recorded.txid, "0.78")


@pytest.mark.parametrize(
    ("username", "amount", "shift"),
    [
        ("alice_user", 51, timedelta(0)),
        ("bob_builder", 50, timedelta(0)),
        ("alice_user", 50, -timedelta(hours=1)),
        ("alice_user", 50, timedelta(hours=1)),
    ],
    ids=["other amount", "other recipient", "before the window", "after the window"],
)
async def test_find_order_ignores_orders_that_do_not_match(
    fake: FakeFragment,
    delivery: HttpxFragmentDelivery,
    make_order: Callable[..., DeliveryOrder],
    username: str,
    amount: int,
    shift: timedelta,
) -> None:
    started = datetime.now(UTC) - timedelta(minutes=10)
    until = started + timedelta(minutes=5)
    fake.add_order(username, amount, created_at=started + timedelta(minutes=1) + shift)

    assert await delivery.find_order(make_order(stars=50, started_at=started), until=until) is None


async def test_find_order_matches_the_recipient_whatever_its_case_and_unix_timestamps(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, make_order: Callable[..., DeliveryOrder]
) -> None:
    fake.timestamps = "unix"
    started = datetime.now(UTC) - timedelta(minutes=1)
    recorded = fake.add_order("Alice_User", 75, created_at=started + timedelta(seconds=5))

    receipt = await delivery.find_order(
        make_order(recipient="@alice_user", stars=75, started_at=started), until=started
    )

    assert receipt is not None
    assert receipt.ref_id == recorded.ref_id


async def test_find_order_pages_past_the_first_hundred_orders(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, make_order: Callable[..., DeliveryOrder]
) -> None:
    started = datetime.now(UTC) - timedelta(hours=1)
    target = fake.add_order("alice_user", 500, created_at=started + timedelta(seconds=1))
    for minute in range(150):
        fake.add_order("bob_builder", 50, created_at=started + timedelta(minutes=minute, seconds=2))

    receipt = await delivery.find_order(make_order(stars=500, started_at=started), until=datetime.now(UTC))

    assert receipt is not None
    assert receipt.ref_id == target.ref_id
    assert fake.calls[ORDERS] == 2
    assert fake.last_body[ORDERS]["limit"] == 100
    assert fake.last_body[ORDERS]["offset"] == 100


async def test_find_order_stops_paging_at_orders_older_than_the_purchase(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, make_order: Callable[..., DeliveryOrder]
) -> None:
    started = datetime.now(UTC) - timedelta(hours=1)
    for minute in range(3, 300):
        fake.add_order("alice_user", 50, created_at=started - timedelta(minutes=minute))
    for second in range(50):
        fake.add_order("bob_builder", 50, created_at=started + timedelta(seconds=second))

    assert await delivery.find_order(make_order(stars=50, started_at=started), until=datetime.now(UTC)) is None
    assert fake.calls[ORDERS] == 1


async def test_find_order_retries_a_failed_lookup(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, make_order: Callable[..., DeliveryOrder]
) -> None:
    started = datetime.now(UTC)
    recorded = fake.add_order("alice_user", 50)
    fake.fail(ORDERS, message="Internal server error")

    receipt = await delivery.find_order(make_order(started_at=started), until=datetime.now(UTC))

    assert receipt is not None
    assert receipt.ref_id == recorded.ref_id
    assert fake.calls[ORDERS] == 2


@pytest.mark.parametrize(
    ("arrange", "calls"),
    [
        (lambda fake: fake.fail(ORDERS, times=3, message="Internal server error"), 3),
        (lambda fake: fake.drop_connection(ORDERS, times=3), 3),
        (lambda fake: fake.refuse(ORDERS, message="Orders are unavailable"), 1),
    ],
    ids=["5xx", "dropped connection", "success false"],
)
async def test_find_order_raises_when_the_service_cannot_be_asked(
    fake: FakeFragment,
    delivery: HttpxFragmentDelivery,
    make_order: Callable[..., DeliveryOrder],
    arrange: Callable[[FakeFragment], None],
    calls: int,
) -> None:
    fake.add_order("alice_user", 50)
    arrange(fake)

    with pytest.raises(DeliveryLookupFailed):
        await delivery.find_order(make_order(), until=datetime.now(UTC))
    assert fake.calls[ORDERS] == calls


async def test_find_order_gives_up_after_its_page_budget(
    fake: FakeFragment, make_delivery: Callable[..., HttpxFragmentDelivery], make_order: Callable[..., DeliveryOrder]
) -> None:
    delivery = make_delivery(page_size=10, max_pages=2)
    started = datetime.now(UTC)
    for _ in range(30):
        fake.add_order("bob_builder", 50)

    with pytest.raises(DeliveryLookupFailed, match="2 pages"):
        await delivery.find_order(make_order(started_at=started), until=datetime.now(UTC))
    assert fake.calls[ORDERS] == 2
