from decimal import Decimal

import pytest

from starshop.application.errors import SalesPaused
from starshop.application.use_cases.buy_stars import BuyStarsInput
from starshop.application.use_cases.change_shop_settings import SettingsEdit
from starshop.application.use_cases.create_recharge import CreateRechargeInput
from starshop.domain import InvalidSetting, InvalidStarAmount, SalesSuspended, TxStatus, TxType

from .conftest import ALICE, fund

OPERATOR = "api-key:0123abcd"


def edit(**values: str | None) -> SettingsEdit:
    return SettingsEdit(actor=OPERATOR, values=values)


def buy(stars: int = 100) -> BuyStarsInput:
    return BuyStarsInput(user_id=ALICE, stars=stars, recipient="@bob_the_user")


async def test_a_price_change_applies_to_the_next_quote_and_purchase(shop, alice):
    await fund(shop, alice, "10")
    assert (await shop.quote_stars(100)).price == shop.money("1.65")
    await shop.change_shop_settings(edit(price_per_star="0.02", markup="0"))
    quote = await shop.quote_stars(100)
    assert (quote.price, quote.price_per_star, quote.markup) == (shop.money("2.00"), Decimal("0.02"), Decimal(0))
    assert (await shop.buy_stars(buy(100))).purchase.amount == shop.money("2.00")


async def test_back_to_the_default_when_an_override_is_cleared(shop):
    await shop.change_shop_settings(edit(price_per_star="0.02"))
    await shop.change_shop_settings(edit(price_per_star=None))
    assert (await shop.quote_stars(100)).price == shop.money("1.65")
    assert (await shop.get_shop_settings()).overrides.overridden == []


async def test_least_and_most_stars_bound_quotes_and_purchases(shop, alice):
    await fund(shop, alice, "10")
    await shop.change_shop_settings(edit(min_stars="100", max_stars="200"))
    with pytest.raises(InvalidStarAmount):
        await shop.quote_stars(99)
    with pytest.raises(InvalidStarAmount):
        await shop.buy_stars(buy(201))
    assert (await shop.buy_stars(buy(200))).purchase.stars == 200


async def test_maintenance_refuses_purchases_with_the_message_and_creates_nothing(shop, alice):
    await fund(shop, alice, "10")
    await shop.change_shop_settings(edit(maintenance="true", maintenance_message="Back at noon"))
    with pytest.raises(SalesSuspended, match="Back at noon"):
        await shop.buy_stars(buy())
    assert [tx.type for tx in await shop.transactions()] == [TxType.RECHARGE]
    quote = await shop.quote_stars(100)
    assert (quote.price, quote.paused_message) == (shop.money("1.65"), "Back at noon")


async def test_recharges_go_on_in_maintenance(shop, alice):
    await shop.change_shop_settings(edit(maintenance="true"))
    result = await shop.create_recharge(CreateRechargeInput(user_id=alice, amount=shop.money("5")))
    assert result.recharge.status is TxStatus.PENDING


async def test_a_purchase_created_before_maintenance_is_still_delivered(shop, alice):
    await fund(shop, alice, "10")
    purchase = (await shop.buy_stars(buy())).purchase
    await shop.change_shop_settings(edit(maintenance="true"))
    await shop.run_background()
    assert (await shop.transaction(purchase.id)).status is TxStatus.COMPLETED


async def test_the_wallet_floor_set_at_run_time_pauses_sales(shop, alice):
    await fund(shop, alice, "10")
    shop.delivery.wallet = Decimal(50)
    await shop.change_shop_settings(edit(wallet_floor="60"))
    with pytest.raises(SalesPaused):
        await shop.buy_stars(buy())
    await shop.change_shop_settings(edit(wallet_floor="50"))
    assert (await shop.buy_stars(buy())).purchase.status is TxStatus.PENDING


async def test_each_change_is_audited_with_who_when_old_and_new(shop):
    await shop.change_shop_settings(edit(price_per_star="0.02"))
    await shop.change_shop_settings(SettingsEdit(actor="telegram:42", values={"price_per_star": "0.03"}))
    page = await shop.get_settings_audit(limit=10, offset=0)
    assert page.total == 2
    newest, oldest = page.items
    assert (newest.actor, newest.key, newest.old, newest.new) == ("telegram:42", "price_per_star", "0.02", "0.03")
    assert (oldest.actor, oldest.old, oldest.new) == (OPERATOR, None, "0.02")
    assert newest.at == shop.clock.now()


async def test_an_edit_that_changes_nothing_writes_nothing(shop):
    await shop.change_shop_settings(edit(markup="0.2"))
    commits = shop.store.commits
    result = await shop.change_shop_settings(edit(markup="0.20"))
    assert result.changes == ()
    assert shop.store.commits == commits
    assert (await shop.get_settings_audit(limit=10, offset=0)).total == 1


@pytest.mark.parametrize(
    "values",
    [{"price_per_star": "0"}, {"min_stars": "49"}, {"min_stars": "300", "max_stars": "200"}, {"no_such": "1"}],
)
async def test_a_refused_edit_changes_nothing(shop, values):
    await shop.change_shop_settings(edit(price_per_star="0.02"))
    with pytest.raises(InvalidSetting):
        await shop.change_shop_settings(SettingsEdit(actor=OPERATOR, values=values))
    current = await shop.get_shop_settings()
    assert current.overrides.stored() == {"price_per_star": "0.02"}
    assert (await shop.get_settings_audit(limit=10, offset=0)).total == 1


async def test_stored_keys_of_a_newer_release_are_kept(shop):
    async with shop.uow() as uow:
        await uow.settings.save({"gift_wrap": '{"3": "12"}'}, at=shop.clock.now(), actor="future")
        await uow.commit()
    await shop.change_shop_settings(edit(markup="0"))
    async with shop.uow() as uow:
        assert await uow.settings.stored() == {"gift_wrap": '{"3": "12"}', "markup": "0"}
