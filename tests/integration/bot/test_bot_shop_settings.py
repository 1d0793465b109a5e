"""Settings changed at run time reach the bot at once: its quote shows the new price, its bounds the new least and
most stars; in maintenance buying answers the operator's message and places nothing."""

import httpx

from starshop.application.use_cases.change_shop_settings import ChangeShopSettings, SettingsEdit
from starshop.entrypoints.web.auth import init_data_for

from .conftest import ADMIN, TOKEN, BotHarness, ShopBot


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


async def test_a_price_raised_after_the_confirmation_was_shown_charges_nothing_and_asks_to_confirm_again(
    harness: BotHarness,
) -> None:
    await harness.send("/start")
    await harness.bonus(101, "10.00")
    assert "💵 Price: 1.65 USD" in ((await harness.said("/buy 100 @bob_gift")).text or "")
    await change(harness, price_per_star="0.02", markup="0")  # while the user reads the screen
    reply = await harness.confirmed()
    assert reply.text == "The price has changed since you confirmed. Please start the order again with /buy."
    balance = await harness.said("/balance")
    assert "Reserved for orders in progress: 0.00 USD" in (balance.text or "")
    assert "10.00 USD" in (balance.text or "")


async def test_least_and_most_stars_set_at_run_time_bound_what_is_typed(harness: BotHarness) -> None:
    await harness.send("/start")
    await change(harness, min_stars="100", max_stars="500")
    assert (await harness.said("/buy 99")).text == "At least 100 stars per purchase — you sent 99."
    assert "500" in ((await harness.said("/buy 501")).text or "")


async def test_help_names_the_least_stars_in_force(harness: BotHarness) -> None:
    await harness.send("/start")
    assert "buy stars (at least 50)" in ((await harness.said("/help")).text or "")
    await change(harness, min_stars="100")
    assert "buy stars (at least 100)" in ((await harness.said("/help")).text or "")
    assert "купить звёзды (от 100)" in ((await harness.said("/help", lang="ru")).text or "")


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


async def test_an_operator_changes_the_price_over_http_and_the_bots_next_quote_follows(shop_bot: ShopBot) -> None:
    """The bot as production wires it, on both stacks (Postgres and Redis too): the operator API and the bot share
    the settings in the database, with no cache between them."""
    operator = {"Authorization": f"tma {init_data_for({'id': ADMIN}, TOKEN)}"}
    base = shop_bot.url.removesuffix("/webhooks/telegram")
    await shop_bot.send("/start")
    await shop_bot.bonus(101, "10.00")
    assert "💵 Price: 1.65 USD" in ((await shop_bot.said("/buy 100 @bob_gift")).text or "")
    async with httpx.AsyncClient(base_url=base, headers=operator, timeout=30) as api:
        changed = await api.patch("/api/v1/admin/settings", json={"price_per_star": "0.03", "markup": "0"})
        assert changed.status_code == 200, changed.text
        assert "💵 Price: 3.00 USD" in ((await shop_bot.said("/buy 100 @bob_gift")).text or "")
        await api.patch("/api/v1/admin/settings", json={"maintenance": True, "maintenance_message": "Stocktaking."})
        assert (await shop_bot.said("/buy 100 @bob_gift")).text == "⏸ Sales are paused. Stocktaking."
        audit = (await api.get("/api/v1/admin/settings/audit")).json()
    assert {item["actor"] for item in audit["items"]} == {f"telegram:{ADMIN}"}
