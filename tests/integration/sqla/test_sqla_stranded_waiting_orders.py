"""An order waiting for a top-up whose placing task was lost (a task that failed is not tried again by the queue) is
queued again by the sweep once its top-up has been credited for a minute, tried about once a minute, and placed
once; one too old is dropped and its user told; orders whose top-up is not credited, or that were placed already, are
left alone. In memory, on SQLite and on Postgres."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from starshop.application.ports import PLACE_ORDER
from starshop.application.use_cases.register_user import TelegramProfile
from starshop.application.use_cases.resume_waiting_orders import GIVE_UP, QUIET
from starshop.application.use_cases.top_up_for_order import OrderTopUp
from starshop.domain import OrderState, PaymentStatus, TxType
from starshop.entrypoints.settings import DatabaseSettings
from starshop.testing import InMemoryShop, build_shop


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def shop(request: pytest.FixtureRequest) -> AsyncIterator[InMemoryShop]:
    if request.param == "memory":
        shop = build_shop()
    else:
        url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
        shop = build_shop(database=DatabaseSettings(url=url))
    yield shop
    await shop.aclose()


async def test_a_funded_order_whose_task_was_lost_is_queued_again_and_placed_once(shop: InMemoryShop) -> None:
    await shop.register_user(TelegramProfile(user_id=5))
    price = shop.policy.price(100)
    paid = await shop.top_up_for_order(OrderTopUp(user_id=5, stars=100, recipient="stranded", price=price))
    unpaid = await shop.top_up_for_order(
        OrderTopUp(user_id=5, stars=200, recipient="unpaid", price=shop.policy.price(200))
    )
    await shop.confirm_payment(shop.gateway.set_status(paid.recharge.order_id, PaymentStatus.PAID))
    await shop.relay_outbox()
    assert shop.queue.drain() == [(PLACE_ORDER, paid.recharge.id)]  # the task, lost
    assert (await shop.resume_waiting_orders()).queued == 0  # too recent: its task may still be on its way

    shop.clock.advance(QUIET + timedelta(seconds=1))
    assert (await shop.resume_waiting_orders()).queued == 1
    assert (await shop.resume_waiting_orders()).queued == 0  # tried just now: the next try waits a minute
    assert shop.queue.drain() == [(PLACE_ORDER, paid.recharge.id)]  # lost again
    shop.clock.advance(QUIET + timedelta(seconds=1))
    assert (await shop.resume_waiting_orders()).queued == 1
    await shop.run_background()
    order = await shop.waiting_order(paid.recharge.id)
    assert order is not None and order.state is OrderState.PLACED
    purchases = [t for t in await shop.transactions() if t.type is TxType.PURCHASE]
    assert [(p.stars, p.recipient) for p in purchases] == [(100, "stranded")]
    waiting = await shop.waiting_order(unpaid.recharge.id)
    assert waiting is not None and waiting.state is OrderState.WAITING  # not credited: left to its payment

    shop.clock.advance(QUIET * 2)
    assert (await shop.resume_waiting_orders()).queued == 0


async def test_an_order_too_old_to_place_is_dropped_and_its_user_told(shop: InMemoryShop) -> None:
    await shop.register_user(TelegramProfile(user_id=6))
    made = await shop.top_up_for_order(
        OrderTopUp(user_id=6, stars=100, recipient="old_one", price=shop.policy.price(100))
    )
    await shop.confirm_payment(shop.gateway.set_status(made.recharge.order_id, PaymentStatus.PAID))
    await shop.relay_outbox()
    shop.queue.drain()  # the task, lost; then nothing runs for hours
    config = shop.config
    shop.clock.advance(config.invoice_lifetime + config.invoice_expiry_grace + GIVE_UP + timedelta(minutes=1))
    report = await shop.resume_waiting_orders()
    assert (report.queued, report.dropped) == (0, 1)
    order = await shop.waiting_order(made.recharge.id)
    assert order is not None and (order.state, order.reason) == (OrderState.DROPPED, "too_late")
    await shop.run_background()
    assert not [t for t in await shop.transactions() if t.type is TxType.PURCHASE]
    assert (await shop.get_balance(6)).amount == made.recharge.amount  # the top-up stays
    assert [e.kind for e in shop.notifier.sent if e.kind.startswith("order_")] == ["order_dropped"]
