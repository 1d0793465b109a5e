"""An order waiting for a top-up is never charged above the price its user confirmed, whatever an operator does to
the price at run time: the price in force decides, and the purchase's own commit checks the confirmed ceiling again
(the price can change between the order's look and that commit)."""

from __future__ import annotations

import pytest

from starshop.application.errors import PriceAboveConfirmed
from starshop.application.use_cases.buy_stars import BuyStarsInput
from starshop.application.use_cases.change_shop_settings import SettingsEdit
from starshop.application.use_cases.grant_bonus import OperatorCredit
from starshop.application.use_cases.register_user import TelegramProfile
from starshop.application.use_cases.top_up_for_order import OrderTopUp
from starshop.domain import OrderState, PaymentStatus, SalesSuspended, TxType
from starshop.testing import InMemoryShop


async def test_a_price_raised_at_run_time_after_the_order_was_confirmed_drops_it(shop: InMemoryShop) -> None:
    await shop.register_user(TelegramProfile(user_id=3))
    confirmed = shop.policy.price(100)  # at the configured price
    result = await shop.top_up_for_order(OrderTopUp(user_id=3, stars=100, recipient="raised_one", price=confirmed))
    await shop.change_shop_settings(SettingsEdit(actor="telegram:1", values={"price_per_star": "0.02"}))
    await shop.confirm_payment(shop.gateway.set_status(result.recharge.order_id, PaymentStatus.PAID))
    assert await shop.place_waiting_order(result.recharge.id) is OrderState.DROPPED
    order = await shop.waiting_order(result.recharge.id)
    assert order is not None and order.reason == "price_changed"
    assert not [t for t in await shop.transactions() if t.type is TxType.PURCHASE]
    balance = await shop.get_balance(3)
    assert balance.held.amount == 0 and balance.amount == result.recharge.amount


async def test_a_purchase_whose_ceiling_is_below_the_price_in_force_makes_nothing(shop: InMemoryShop) -> None:
    await shop.register_user(TelegramProfile(user_id=4))
    await shop.grant_bonus(OperatorCredit(operator_id=9, user_id=4, amount=shop.money("50.00"), reason="test"))
    ceiling = shop.policy.price(100) - shop.money("0.01")
    with pytest.raises(PriceAboveConfirmed):
        await shop.buy_stars(
            BuyStarsInput(user_id=4, stars=100, recipient="ceiling_one", idempotency_key="c", max_price=ceiling)
        )
    assert not [t for t in await shop.transactions() if t.type is TxType.PURCHASE]
    assert (await shop.get_balance(4)).held.amount == 0


async def test_no_top_up_is_opened_for_a_price_below_todays_and_nothing_is_stored(shop: InMemoryShop) -> None:
    await shop.register_user(TelegramProfile(user_id=5))
    await shop.change_shop_settings(SettingsEdit(actor="telegram:1", values={"price_per_star": "0.02"}))
    stale = shop.policy.price(100)  # confirmed at the old price, shown before the raise
    with pytest.raises(PriceAboveConfirmed):
        await shop.top_up_for_order(
            OrderTopUp(user_id=5, stars=100, recipient="stale_one", price=stale, idempotency_key="t")
        )
    assert await shop.transactions() == []


async def test_a_retried_top_up_is_answered_with_the_first_even_after_the_price_rose(shop: InMemoryShop) -> None:
    await shop.register_user(TelegramProfile(user_id=6))
    order = OrderTopUp(user_id=6, stars=100, recipient="retry_one", price=shop.policy.price(100), idempotency_key="k")
    first = await shop.top_up_for_order(order)
    await shop.change_shop_settings(SettingsEdit(actor="telegram:1", values={"price_per_star": "0.02"}))
    again = await shop.top_up_for_order(order)
    assert again.recharge.id == first.recharge.id
    assert len(await shop.transactions()) == 1


async def test_no_top_up_is_opened_in_maintenance(shop: InMemoryShop) -> None:
    await shop.register_user(TelegramProfile(user_id=7))
    await shop.change_shop_settings(SettingsEdit(actor="telegram:1", values={"maintenance": "true"}))
    with pytest.raises(SalesSuspended):
        await shop.top_up_for_order(
            OrderTopUp(user_id=7, stars=100, recipient="paused_one", price=shop.policy.price(100))
        )
    assert await shop.transactions() == []
