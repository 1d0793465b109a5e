"""An order waiting for a top-up under real concurrency on Postgres: every call is its own request scope (its own
unit of work and connection), all started at once. The webhook's credit, copies of the webhook and the invoice
reconciler's credit race; then copies of the placing task (a replayed event, a second worker) race too. The order
is placed exactly once, its price held once, and the audit stays clean."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from starshop.application.use_cases.change_shop_settings import SettingsEdit
from starshop.application.use_cases.grant_bonus import OperatorCredit
from starshop.application.use_cases.register_user import TelegramProfile
from starshop.application.use_cases.top_up_for_order import OrderTopUp
from starshop.domain import OrderState, PaymentStatus, TxStatus, TxType
from starshop.entrypoints.settings import DatabaseSettings
from starshop.testing import InMemoryShop, build_shop

pytestmark = pytest.mark.postgres
ROUNDS = 8


@pytest.fixture
async def shop(pg_url: str) -> AsyncIterator[InMemoryShop]:
    shop = build_shop(database=DatabaseSettings(url=pg_url, pool_size=20, statement_timeout_ms=20_000))
    yield shop
    await shop.aclose()


async def test_a_top_up_credited_by_racing_webhooks_and_the_reconciler_places_its_order_once(
    shop: InMemoryShop,
) -> None:
    await shop.register_user(TelegramProfile(user_id=1))
    await shop.grant_bonus(OperatorCredit(operator_id=9, user_id=1, amount=shop.money("0.50"), reason="some"))
    for n in range(ROUNDS):
        price = shop.policy.price(100)
        result = await shop.top_up_for_order(
            OrderTopUp(user_id=1, stars=100, recipient=f"waiting_{n}", price=price, idempotency_key=f"k{n}")
        )
        recharge = result.recharge
        note = shop.gateway.set_status(recharge.order_id, PaymentStatus.PAID)
        shop.clock.advance(shop.config.invoice_lifetime - timedelta(seconds=30))  # the reconciler asks about it
        outcomes = await asyncio.gather(
            *(shop.confirm_payment(note) for _ in range(4)), shop.expire_stale_invoices(), return_exceptions=True
        )
        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        assert (await shop.transaction(recharge.id)).status is TxStatus.COMPLETED
        # the relayed event's task, and copies of it (a replay, a second worker), all at once
        states = await asyncio.gather(*(shop.place_waiting_order(recharge.id) for _ in range(5)), shop.run_background())
        assert not [s for s in states if isinstance(s, BaseException)], states
        order = await shop.waiting_order(recharge.id)
        assert order is not None
        assert order.state is OrderState.PLACED
        journal = await shop.transactions()
        placed = [t for t in journal if t.idempotency_key == order.idempotency_key]
        assert [t.id for t in placed] == [order.purchase_id]
        assert placed[0].amount == price and placed[0].type is TxType.PURCHASE
        credits = [t for t in journal if t.id == recharge.id and t.status is TxStatus.COMPLETED]
        assert len(credits) == 1
        assert (await shop.audit_ledger()).ok
        await shop.run_background()  # delivered: the next round starts from a balance with nothing held
        assert (await shop.get_balance(1)).held.amount == 0
    purchases = [t for t in await shop.transactions() if t.type is TxType.PURCHASE]
    assert len(purchases) == ROUNDS


async def test_an_order_whose_price_rose_above_the_confirmed_one_is_dropped_and_nothing_is_held(
    shop: InMemoryShop,
) -> None:
    await shop.register_user(TelegramProfile(user_id=2))
    confirmed = shop.policy.price(100)
    result = await shop.top_up_for_order(OrderTopUp(user_id=2, stars=100, recipient="pricey_one", price=confirmed))
    await shop.change_shop_settings(SettingsEdit(actor="telegram:1", values={"price_per_star": "0.02"}))  # meanwhile
    note = shop.gateway.set_status(result.recharge.order_id, PaymentStatus.PAID)
    await asyncio.gather(*(shop.confirm_payment(note) for _ in range(3)))
    states = await asyncio.gather(*(shop.place_waiting_order(result.recharge.id) for _ in range(4)))
    assert set(states) == {OrderState.DROPPED}
    order = await shop.waiting_order(result.recharge.id)
    assert order is not None and order.reason == "price_changed"
    balance = await shop.get_balance(2)
    assert balance.held.amount == 0 and balance.amount == result.recharge.amount  # the top-up stays
    assert not [t for t in await shop.transactions() if t.type is TxType.PURCHASE]
    await shop.run_background()
    told = [e for e in shop.notifier.sent if e.kind == "order_dropped"]
    assert len(told) == 1
