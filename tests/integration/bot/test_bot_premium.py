# ruff: noqa: RUF001  (Russian texts, dashes and emoji are the point of these tests)
"""Giving Telegram Premium through the bot: the menu button (only when Premium is sold), the months with their
prices, the recipient, the confirmation and the order, in both languages; forged buttons start nothing."""

from collections.abc import AsyncIterator

import pytest
from dishka import Provider, Scope, provide

from starshop.domain import PremiumPrices
from starshop.testing import default_premium
from starshop.testing.fakes import FakeBotApi

from .conftest import BotHarness, bot_harness
from .test_bot_buy import run_worker

MONTHS_EN = [["3 months — 12.99 USD"], ["6 months — 16.99 USD"], ["12 months — 29.99 USD"], ["✖ Cancel"]]
MONTHS_RU = [["3 мес. — 12.99 USD"], ["6 мес. — 16.99 USD"], ["12 мес. — 29.99 USD"], ["✖ Отмена"]]


class NoPremium(Provider):
    @provide(scope=Scope.APP, override=True)
    def premium(self) -> PremiumPrices:
        return default_premium("")


@pytest.fixture
async def unsold(fake: FakeBotApi) -> AsyncIterator[BotHarness]:
    async with bot_harness(fake, NoPremium()) as h:
        yield h


async def start(harness: BotHarness, lang: str = "en", funds: str | None = None) -> None:
    await harness.send("/start", lang=lang)
    if funds:
        await harness.bonus(101, funds)


async def test_the_menu_has_a_premium_button_when_premium_is_sold(harness: BotHarness) -> None:
    reply = await harness.said("/start")
    assert ["💎 Telegram Premium"] in reply.buttons
    [button] = [b for row in reply.keyboard or [] for b in row if b["text"] == "💎 Telegram Premium"]
    assert button["callback_data"] == "m:premium"


async def test_the_menu_hides_premium_and_premium_says_it_is_not_sold_when_unsold(unsold: BotHarness) -> None:
    reply = await unsold.said("/start")
    assert all("💎 Telegram Premium" not in row for row in reply.buttons)
    assert (await unsold.said("/premium")).text == "Telegram Premium is not sold here."
    assert (await unsold.pressed("m:premium")).text == "Telegram Premium is not sold here."
    reply = await unsold.pressed("pm:3")
    assert reply.text == "Telegram Premium is not sold here."
    assert (await unsold.send("@bob_gift")) == []  # nothing started


async def test_giving_premium_with_the_buttons_from_the_months_to_the_accepted_order(harness: BotHarness) -> None:
    await start(harness, funds="20.00")
    reply = await harness.pressed("m:premium")
    assert reply.text == "💎 Give Telegram Premium. For how long?"
    assert reply.buttons == MONTHS_EN
    assert reply.keyboard is not None
    assert reply.keyboard[0][0]["callback_data"] == "pm:3"

    reply = await harness.pressed("pm:3")
    assert reply.method == "editMessageText"
    assert reply.text == "💎 Premium for 3 months — who gets it?"
    assert reply.buttons == [["👤 Myself", "🎁 Gift to @username"], ["✖ Cancel"]]

    await harness.pressed("br:1")
    reply = await harness.said("@bob_gift")
    assert reply.text == "💎 Premium for 3 months for @bob_gift. How do you want to pay?"

    reply = await harness.pressed("bp:balance")
    assert reply.text == (
        "Please confirm your order:\n\n"
        "💎 Telegram Premium: 3 months\n👤 Recipient: @bob_gift\n💵 Price: 12.99 USD\n💳 Payment: from balance"
    )
    reply = await harness.confirmed()
    assert reply.text == (
        "✅ Order accepted: 💎 Premium for 3 months for @bob_gift. 12.99 USD is reserved on your balance; "
        "I will tell you as soon as it is delivered."
    )
    history = await harness.said("/history")
    assert "💎 Premium 3 mo. for @bob_gift · −12.99 USD · pending" in (history.text or "")
    await harness.confirm()  # pressed twice: one order
    balance = await harness.said("/balance")
    assert "Reserved for orders in progress: 12.99 USD" in (balance.text or "")


async def test_giving_premium_in_russian_by_invoice(harness: BotHarness) -> None:
    await start(harness, lang="ru")
    reply = await harness.said("/premium", lang="ru")
    assert reply.text == "💎 Подарить Telegram Premium. На какой срок?"
    assert reply.buttons == MONTHS_RU
    assert (await harness.pressed("pm:12", lang="ru")).text == "💎 Premium на 12 мес. — кому?"
    assert (await harness.pressed("br:0", lang="ru")).text == ("💎 Premium на 12 мес. для @alice_tg. Как оплатить?")
    reply = await harness.pressed("bp:invoice", lang="ru")
    assert "💎 Telegram Premium: 12 мес.\n👤 Получатель: @alice_tg\n💵 Цена: 29.99 USD" in (reply.text or "")
    reply = await harness.confirmed(lang="ru")
    assert (reply.text or "").startswith(
        "🧾 Оплатите 29.99 USD по ссылке ниже, чтобы подарить @alice_tg 💎 Premium на 12 мес."
    )
    assert reply.buttons == [["💳 Оплатить 29.99 USD"]]


@pytest.mark.parametrize("data", ["pm:5", "pm:0", "pm:-3", "pm:+3", "pm:٣", "pm:3:1", "pm:"])
async def test_a_forged_months_button_starts_nothing(harness: BotHarness, data: str) -> None:
    await start(harness, funds="20.00")
    said = {
        (c.params.get("text") if c.method == "answerCallbackQuery" else c.text)
        for c in await harness.press(data)
        if c.method in {"sendMessage", "editMessageText", "answerCallbackQuery"}
    }
    assert said & {
        "Telegram Premium is given for 3, 6 or 12 months only.",
        "This button is not valid. Send /start for the menu.",
    }
    assert (await harness.send("@bob_gift")) == []  # no dialog was started
    balance = await harness.said("/balance")
    assert "Reserved for orders in progress: 0.00 USD" in (balance.text or "")


async def test_a_star_dialog_after_a_premium_one_buys_stars(harness: BotHarness) -> None:
    await start(harness, funds="20.00")
    await harness.press("pm:6")
    await harness.send("/buy 100 @bob_gift")
    reply = await harness.confirmed()
    assert reply.text.startswith("✅ Order accepted: 100 ⭐ for @bob_gift. 1.65 USD")  # type: ignore[union-attr]


async def test_a_delivered_gift_is_announced_with_its_months(harness: BotHarness) -> None:
    from starshop.adapters.telegram.notifier import render
    from starshop.domain import Currency, Money
    from starshop.domain.events import PurchaseDelivered, PurchaseRefused

    price = Money.of("12.99", Currency.of("USD"))
    delivered = PurchaseDelivered(user_id=1, tx_id="t", stars=None, months=3, recipient="bob_gift", price=price)
    assert render(delivered, "en") == "💎 Delivered: Telegram Premium for 3 months to @bob_gift for 12.99 USD."
    assert render(delivered, "ru") == "💎 Вручено: Telegram Premium на 3 мес. для @bob_gift за 12.99 USD."
    refused = PurchaseRefused(user_id=1, tx_id="t", stars=None, months=6, recipient="bob_gift", price=price, reason="x")
    assert render(refused, "en") == (
        "↩ We could not give Telegram Premium for 6 months to @bob_gift. 12.99 USD is back on your balance."
    )
    stars = PurchaseDelivered(user_id=1, tx_id="t", stars=100, recipient="bob_gift", price=price)
    assert render(stars, "en") == "⭐ Delivered: 100 stars to @bob_gift for 12.99 USD."


async def test_repeat_last_order_after_a_premium_gift_requotes_the_gift(harness: BotHarness) -> None:
    await start(harness, funds="30.00")
    await harness.send("/premium")
    await harness.press("pm:3")
    await harness.press("br:1")
    await harness.send("@bob_gift")
    await harness.press("bp:balance")
    await harness.confirm()
    (await harness.delivery()).script("delivered")
    await run_worker(harness)
    reply = await harness.pressed("m:repeat")
    assert reply.text == (
        "Please confirm your order:\n\n"
        "💎 Telegram Premium: 3 months\n👤 Recipient: @bob_gift\n💵 Price: 12.99 USD\n💳 Payment: from balance"
    )
    accepted = await harness.confirmed()
    assert (accepted.text or "").startswith("✅ Order accepted: 💎 Premium for 3 months for @bob_gift.")
