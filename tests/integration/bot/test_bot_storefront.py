"""The bot opens the Mini App storefront: a "🛍 Shop" button atop the /start menu and the chat menu button, only
where the shop's public URL is https (Telegram opens no other Mini App)."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from starshop.entrypoints.bot import build_dispatcher, set_bot_commands, storefront_url
from starshop.testing import build_in_memory_shop
from starshop.testing.fakes import FakeBotApi

from .conftest import ADMIN, BotHarness, make_bot

SHOP = "https://shop.example/app"


@asynccontextmanager
async def harness_with_shop(fake: FakeBotApi, shop_url: str | None) -> AsyncIterator[BotHarness]:
    shop = build_in_memory_shop()
    dp = build_dispatcher(shop.container, admin_ids={ADMIN}, shop_url=shop_url)
    bot = make_bot(fake)
    await dp.emit_startup(bot=bot)
    try:
        yield BotHarness(fake, bot, dp, shop.container, shop.fakes)
    finally:
        await dp.emit_shutdown(bot=bot)
        await bot.session.close()
        await shop.container.close()


@pytest.mark.parametrize(("lang", "caption"), [("en", "🛍 Shop"), ("ru", "🛍 Магазин")])
async def test_start_offers_the_storefront_as_a_web_app_button(fake: FakeBotApi, lang: str, caption: str) -> None:
    async with harness_with_shop(fake, SHOP) as harness:
        reply = await harness.said("/start", lang=lang)
    assert reply.keyboard is not None
    assert reply.keyboard[0] == [{"text": caption, "web_app": {"url": SHOP}}]
    assert len(reply.keyboard) == 7  # the usual six rows below it (Premium is sold by the test kit's shop)


async def test_without_an_https_storefront_the_menu_has_no_shop_button(fake: FakeBotApi) -> None:
    async with harness_with_shop(fake, None) as harness:
        reply = await harness.said("/start")
    assert reply.keyboard is not None
    assert all("web_app" not in button for row in reply.keyboard for button in row)


def test_the_storefront_url_is_only_an_https_one() -> None:
    assert storefront_url("https://shop.example/") == "https://shop.example/app"
    assert storefront_url("http://127.0.0.1:8000") is None


async def test_the_chat_menu_button_opens_the_storefront(fake: FakeBotApi) -> None:
    bot = make_bot(fake)
    try:
        await set_bot_commands(bot, shop_url=SHOP)
        await set_bot_commands(bot)
    finally:
        await bot.session.close()
    (menu,) = fake.calls_to("setChatMenuButton")
    assert json.loads(menu.params["menu_button"]) == {"type": "web_app", "text": "🛍 Shop", "web_app": {"url": SHOP}}
