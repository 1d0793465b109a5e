"""Settings changed at run time reach the bot at once: its quote shows the new price, its bounds the new least and
most stars; in maintenance buying answers the operator's message and places nothing."""

from starshop.application.use_cases.change_shop_settings import ChangeShopSettings, SettingsEdit

from .conftest import BotHarness


async def change(harness: BotHarness, **values: str | None) -> None:
    async with harness.container() as scope:
        edit = await scope.get(ChangeShopSettings)
        await edit(SettingsEdit(actor="api-key:test", values=values))


async def test_the_confirmation_quotes_the_price_set_at_run_time(harness: BotHarness) -> None:
    await harness.send("/start")
    await harness.bonus(101, "10.00")
    assert "💵 Price: 1.65 USD" in ((await harness.said("/buy 100 @bob_gift")).text or "")
    await change(harness, price_per_star="0.02", markup="0")
    assert "💵 Price: 2.00 USD" in ((await harness.said("/buy 100 @bob_gift")).text or "")
    reply = await harness.confirmed()
    assert "2.00 USD is reserved" in (reply.text or "")


async def test_least_and_most_stars_set_at_run_time_bound_what_is_typed(harness: BotHarness) -> None:
    await harness.send("/start")
    await change(harness, min_stars="100", max_stars="500")
    assert (await harness.said("/buy 99")).text == "At least 100 stars per purchase — you sent 99."
    assert "500" in ((await harness.said("/buy 501")).text or "")


async def test_in_maintenance_buying_answers_the_operators_message(harness: BotHarness) -> None:
    await harness.send("/start")
    await harness.bonus(101, "10.00")
    await harness.send("/buy 100 @bob_gift")  # a confirmation shown before the pause
    await change(harness, maintenance="true", maintenance_message="Back at noon.")
    assert (await harness.confirmed()).text == "⏸ Sales are paused. Back at noon."
    for command in ("/buy", "/buy 100", "/buy 100 @bob_gift"):
        assert (await harness.said(command)).text == "⏸ Sales are paused. Back at noon."
    assert (await harness.said("/buy", lang="ru")).text == "⏸ Продажи приостановлены. Back at noon."
    balance = await harness.said("/balance")
    assert "Reserved for orders in progress: 0.00 USD" in (balance.text or "")
