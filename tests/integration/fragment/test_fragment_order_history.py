"""The hosted service's order history as the provider audit reads it: each order once, and never a silent gap."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from starshop.application.ports import DeliveryLookupFailed
from starshop.testing.fakes import FakeFragment, FakeOrder

NOW = datetime.now(UTC).replace(microsecond=0)
WINDOW = {"since": NOW - timedelta(hours=1), "until": NOW}


class HookedFragment(FakeFragment):
    """The service's fake, with a hook after each page of orders and rows that can be damaged."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.after_page: Callable[[int], None] = lambda offset: None
        self.damaged: set[str] = set()

    def _orders(self, body: dict[str, Any]) -> Any:
        answer = super()._orders(body)
        self.after_page(body.get("offset", 0))
        return answer

    def _row(self, order: FakeOrder) -> dict[str, Any]:
        row = super()._row(order)
        return {k: v for k, v in row.items() if k != "username"} if order.ref_id in self.damaged else row


@pytest.fixture
async def hooked(fake: FakeFragment) -> AsyncIterator[HookedFragment]:
    service = HookedFragment(seed=fake.seed, users=set(fake.users), balance=Decimal(10))
    async with service.running():
        yield service


async def test_orders_placed_while_the_history_is_paged_are_each_listed_once(hooked: HookedFragment, make_delivery):
    for n in range(5):
        hooked.add_order("alice_user", 50 + n, created_at=NOW - timedelta(minutes=10 - n))

    def new_order_after_the_first_page(offset: int) -> None:
        if offset == 0:  # the later pages shift by one row: a row is served twice
            hooked.add_order("bob_builder", 100, created_at=NOW)

    hooked.after_page = new_order_after_the_first_page
    history = await make_delivery(base_url=hooked.url, page_size=2).order_history(**WINDOW)
    refs = [order.receipt.ref_id for order in history]
    assert len(refs) == len(set(refs))
    assert sorted(order.stars for order in history) == [50, 51, 52, 53, 54]


async def test_an_order_row_that_cannot_be_read_fails_the_lookup_instead_of_being_skipped(
    hooked: HookedFragment, make_delivery
):
    hooked.add_order("alice_user", 50, created_at=NOW - timedelta(minutes=5))
    hooked.damaged.add(hooked.add_order("bob_builder", 75, created_at=NOW - timedelta(minutes=4)).ref_id)
    with pytest.raises(DeliveryLookupFailed, match="unreadable order rows"):
        await make_delivery(base_url=hooked.url, page_size=2).order_history(**WINDOW)
