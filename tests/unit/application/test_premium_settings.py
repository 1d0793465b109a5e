"""Telegram Premium prices are a run-time shop setting: an operator's prices are the next quote's and purchase's, a
purchase already made keeps its price, empty prices stop Premium sales, and clearing the override brings back the
configured ones."""

import pytest

from starshop.application.use_cases.buy_stars import BuyStarsInput
from starshop.application.use_cases.change_shop_settings import SettingsEdit
from starshop.domain import InvalidPremiumMonths, InvalidSetting, PremiumNotSold, Product

from .conftest import ALICE, fund

OPERATOR = "api-key:0123abcd"


def edit(**values: str | None) -> SettingsEdit:
    return SettingsEdit(actor=OPERATOR, values=values)


def premium(months: int = 3) -> BuyStarsInput:
    return BuyStarsInput(user_id=ALICE, product=Product.PREMIUM, months=months, recipient="@bob_the_user")


async def test_new_premium_prices_are_quoted_and_charged_at_once(shop, alice):
    await fund(shop, alice, "50")
    assert (await shop.quote_stars(None, months=3)).price == shop.money("12.99")
    first = await shop.buy_stars(premium(3))
    edited = await shop.change_shop_settings(edit(premium_prices="3:9.5,12:25"))
    assert [(c.old, c.new) for c in edited.changes] == [(None, "3:9.5,12:25")]
    assert (await shop.quote_stars(None, months=3)).price == shop.money("9.50")
    assert (await shop.buy_stars(premium(12))).purchase.amount == shop.money("25.00")
    assert (await shop.transaction(first.purchase.id)).amount == shop.money("12.99")  # made before: its price
    with pytest.raises(InvalidPremiumMonths):
        await shop.quote_stars(None, months=6)  # no longer on sale
    with pytest.raises(InvalidPremiumMonths):
        await shop.buy_stars(premium(6))


async def test_empty_premium_prices_stop_premium_sales_until_cleared(shop, alice):
    await fund(shop, alice, "50")
    await shop.change_shop_settings(edit(premium_prices=""))
    assert (await shop.get_shop_settings()).premium.sold is False
    with pytest.raises(PremiumNotSold):
        await shop.quote_stars(None, months=3)
    with pytest.raises(PremiumNotSold):
        await shop.buy_stars(premium(3))
    assert (await shop.buy_stars(BuyStarsInput(user_id=ALICE, stars=100, recipient="@bob_the_user"))).purchase
    await shop.change_shop_settings(edit(premium_prices=None))
    assert (await shop.buy_stars(premium(3))).purchase.amount == shop.money("12.99")


@pytest.mark.parametrize("value", ["4:12.99", "3:0", "3:12.999", "garbage"])
async def test_refused_premium_prices_change_nothing(shop, value):
    with pytest.raises(InvalidSetting):
        await shop.change_shop_settings(edit(premium_prices=value))
    assert (await shop.get_shop_settings()).overrides.overridden == []
    assert (await shop.quote_stars(None, months=3)).price == shop.money("12.99")
