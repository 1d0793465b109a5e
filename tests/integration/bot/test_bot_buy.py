# ruff: noqa: RUF001  (Russian texts, dashes and emoji are the point of these tests)
"""Buying stars through the dialog: every step's exact text and keyboard, every bad input, in both languages."""

import pytest

from starshop.application.use_cases.deliver_purchase import DeliverPurchase
from starshop.application.use_cases.relay_outbox import RelayOutbox

from .conftest import BotHarness

# each quick amount with its price today
PRICED = [["50 ⭐ · 0.83 USD", "100 ⭐ · 1.65 USD", "250 ⭐ · 4.13 USD"], ["500 ⭐ · 8.25 USD", "1000 ⭐ · 16.50 USD"]]
STARS_EN = [PRICED[0], [*PRICED[1], "Other"]]
STARS_RU = [PRICED[0], [*PRICED[1], "Другое"]]


async def run_worker(harness: BotHarness) -> None:
    """What the worker does: relay the outbox, then deliver every queued purchase, until nothing is left."""
    while True:
        async with harness.container() as scope:
            await (await scope.get(RelayOutbox))()
        tasks = harness.fakes.queue.drain()
        if not tasks:
            return
        for _, tx_id in tasks:
            async with harness.container() as scope:
                await (await scope.get(DeliverPurchase))(tx_id)


async def start(harness: BotHarness, lang: str = "en", funds: str | None = None) -> None:
    await harness.send("/start", lang=lang)
    if funds:
        await harness.bonus(101, funds)


async def test_buying_with_the_buttons_from_the_amount_to_the_accepted_order(harness: BotHarness) -> None:
    await start(harness, funds="10.00")
    reply = await harness.said("/buy")
    assert reply.text == "How many stars do you want? Pick an amount or choose «Other»."
    assert reply.buttons == STARS_EN
    assert reply.keyboard is not None
    assert reply.keyboard[0][1]["callback_data"] == "bs:100"

    reply = await harness.pressed("bs:100")
    assert reply.method == "editMessageText"
    assert reply.text == "100 ⭐ — who gets them?"
    assert reply.buttons == [["👤 Myself", "🎁 Gift to @username"], ["✖ Cancel"]]

    reply = await harness.pressed("br:0")
    assert reply.text == "100 ⭐ for @alice_tg. How do you want to pay?"
    assert reply.buttons == [["💰 From balance (10.00 USD)"], ["💳 By invoice (crypto)"], ["✖ Cancel"]]

    reply = await harness.pressed("bp:balance")
    assert reply.text == (
        "Please confirm your order:\n\n"
        "⭐ Stars: 100\n👤 Recipient: @alice_tg\n💵 Price: 1.65 USD\n💳 Payment: from balance"
    )
    assert reply.buttons == [["✅ Confirm", "✖ Cancel"]]

    reply = await harness.confirmed()
    assert reply.text == (
        "✅ Order accepted: 100 ⭐ for @alice_tg. 1.65 USD is reserved on your balance; "
        "I will tell you as soon as the stars are delivered."
    )
    balance = await harness.said("/balance")
    assert balance.text == "💰 Balance: 10.00 USD\nAvailable: 8.35 USD\nReserved for orders in progress: 1.65 USD"


async def test_pressing_confirm_twice_places_one_order(harness: BotHarness) -> None:
    await start(harness, funds="10.00")
    await harness.send("/buy 100 @bob_gift")
    await harness.confirm()
    again = await harness.confirmed()
    assert again.text == "This button has expired. Start again with /buy."
    balance = await harness.said("/balance")
    assert "Reserved for orders in progress: 1.65 USD" in (balance.text or "")


async def test_buy_with_arguments_goes_straight_to_the_confirmation_from_the_balance(harness: BotHarness) -> None:
    await start(harness, lang="ru", funds="10.00")
    reply = await harness.said("/buy 250 @bob_gift", lang="ru")
    assert reply.text == (
        "Проверьте заказ:\n\n⭐ Звёзды: 250\n👤 Получатель: @bob_gift\n💵 Цена: 4.13 USD\n💳 Оплата: с баланса"
    )
    assert reply.buttons == [["✅ Подтвердить", "✖ Отмена"]]
    reply = await harness.confirmed(lang="ru")
    assert reply.text == (
        "✅ Заказ принят: 250 ⭐ для @bob_gift. 4.13 USD зарезервировано на балансе; "
        "я сообщу, как только звёзды будут доставлены."
    )


async def test_the_seed_command_buy_stars_fragment_enters_the_same_dialog(harness: BotHarness) -> None:
    await start(harness)
    reply = await harness.said("/buy_stars_fragment 500")
    assert reply.text == "500 ⭐ — who gets them?"


async def test_other_amount_then_a_gift_typed_by_username(harness: BotHarness) -> None:
    await start(harness, lang="ru", funds="10.00")
    await harness.send("/buy", lang="ru")
    reply = await harness.pressed("bs:0", lang="ru")
    assert reply.text == "Отправьте количество звёзд (не меньше 50)."
    assert (await harness.said("сто", lang="ru")).text == (
        "«сто» — не число. Отправьте целое количество звёзд, например 100."
    )
    assert (await harness.said("10", lang="ru")).text == "Минимум 50 звёзд за покупку — вы отправили 10."
    assert (await harness.said("20000", lang="ru")).text == "Максимум 10000 звёзд за покупку — вы отправили 20000."
    reply = await harness.said("75", lang="ru")
    assert reply.text == "75 ⭐ — кому?"
    assert reply.buttons == [["👤 Себе", "🎁 В подарок @username"], ["✖ Отмена"]]
    assert (await harness.pressed("br:1", lang="ru")).text == "Отправьте @username получателя."
    assert (await harness.said("@no", lang="ru")).text == (
        "«@no» — не username в Telegram: 5–32 латинские буквы, цифры или _, например @durov."
    )
    reply = await harness.said("https://t.me/bob_gift", lang="ru")
    assert reply.text == "75 ⭐ для @bob_gift. Как оплатить?"
    assert reply.buttons == [["💰 С баланса (10.00 USD)"], ["💳 Счётом (криптовалюта)"], ["✖ Отмена"]]


async def test_bad_inputs_in_english(harness: BotHarness) -> None:
    await start(harness)
    assert (
        await harness.said("/buy lots")
    ).text == "«lots» is not a number. Send a whole number of stars, for example 100."
    assert (await harness.said("/buy 49")).text == "At least 50 stars per purchase — you sent 49."
    assert (await harness.said("/buy 100 @b!")).text == (
        "«@b!» is not a Telegram username: 5–32 Latin letters, digits or _, like @durov."
    )
    # the dialog waits for the username now
    assert (await harness.said("@bob_gift")).text == "100 ⭐ for @bob_gift. How do you want to pay?"


@pytest.mark.parametrize(
    ("lang", "expected", "button", "invoice"),
    [
        (
            "en",
            "Not enough money on your balance: 0.65 USD is missing. Top up 1.00 USD and this order is placed as soon "
            "as the payment arrives, at today's price if it is at most 1.65 USD (otherwise nothing is bought and the "
            "top-up stays on your balance).",
            "➕ Top up 1.00 USD and buy",
            "🧾 Top-up of 1.00 USD for your order of 100 ⭐ for @bob_gift: pay by the link below.",
        ),
        (
            "ru",
            "На балансе не хватает 0.65 USD. Пополните на 1.00 USD, и заказ оформится, как только придёт платёж, "
            "по цене дня, если она не выше 1.65 USD (иначе ничего не покупается, а пополнение остаётся на балансе).",
            "➕ Пополнить на 1.00 USD и купить",
            "🧾 Пополнение на 1.00 USD для заказа 100 ⭐ для @bob_gift: оплатите по ссылке ниже.",
        ),
    ],
)
async def test_insufficient_funds_offers_a_top_up_of_the_missing_amount_that_places_the_order(
    harness: BotHarness, lang: str, expected: str, button: str, invoice: str
) -> None:
    await start(harness, lang=lang, funds="1.00")
    await harness.send("/buy 100 @bob_gift", lang=lang)
    reply = await harness.confirmed(lang=lang)
    assert reply.text == expected
    assert reply.buttons == [[button], [reply.buttons[1][0]]]  # the shop's smallest top-up is 1.00 USD, not 0.65
    assert reply.keyboard is not None
    offer = reply.keyboard[0][0]["callback_data"]
    assert offer.startswith("bt:")
    paying = await harness.pressed(offer, lang=lang)
    assert (paying.text or "").startswith(invoice)
    assert paying.keyboard is not None
    assert paying.keyboard[0][0]["url"].startswith("https://pay.test/inv-")
    again = await harness.pressed(offer, lang=lang)  # the offer is used: pressed again, it opens nothing more
    assert again.text == ("This button has expired. Start again with /buy." if lang == "en" else again.text)
    gateway = await harness.gateway()
    assert len(gateway.invoices) == 1


async def test_a_forged_top_up_offer_opens_nothing(harness: BotHarness) -> None:
    await start(harness, funds="1.00")
    await harness.send("/buy 100 @bob_gift")
    await harness.confirmed()
    forged = await harness.pressed("bt:0123456789abcdef")
    assert forged.text == (
        "This confirmation is out of date: a newer order replaced it, so nothing was bought. "
        "Confirm the latest order or start again with /buy."
    )
    assert not (await harness.gateway()).invoices


async def test_insufficient_funds_offers_exactly_what_is_missing_when_it_is_enough_to_top_up(
    harness: BotHarness,
) -> None:
    await start(harness, funds="1.00")
    await harness.send("/buy 1000 @bob_gift")
    reply = await harness.confirmed()
    assert (reply.text or "").startswith("Not enough money on your balance: 15.50 USD is missing. Top up 15.50 USD")
    assert reply.buttons == [["➕ Top up 15.50 USD and buy"], ["✖ Cancel"]]


async def test_repeat_last_order_requotes_the_last_delivered_purchase_for_confirmation(harness: BotHarness) -> None:
    await start(harness, funds="10.00")
    nothing = await harness.pressed("m:repeat")
    assert nothing.text == "You have no completed order to repeat yet. Buy stars with /buy."
    await harness.send("/buy 250 @bob_gift")
    await harness.confirm()
    await harness.send("/buy 100 @carol_gift")
    await harness.confirm()  # not delivered yet: the last completed order is still to come
    delivery = await harness.delivery()
    delivery.script("delivered", "refused")
    await run_worker(harness)
    reply = await harness.pressed("m:repeat")
    assert reply.text == (
        "Please confirm your order:\n\n"
        "⭐ Stars: 250\n👤 Recipient: @bob_gift\n💵 Price: 4.13 USD\n💳 Payment: from balance"
    )
    assert reply.buttons == [["✅ Confirm", "✖ Cancel"]]
    accepted = await harness.confirmed()
    assert (accepted.text or "").startswith("✅ Order accepted: 250 ⭐ for @bob_gift. 4.13 USD is reserved")


async def test_paying_by_invoice_gives_a_pay_link_with_the_exact_price(harness: BotHarness) -> None:
    await start(harness)
    await harness.send("/buy 100")
    await harness.press("br:1")
    await harness.send("bob_gift")
    reply = await harness.pressed("bp:invoice")
    assert reply.text is not None
    assert reply.text.endswith("💵 Price: 1.65 USD\n💳 Payment: by invoice")
    reply = await harness.confirmed()
    assert reply.text is not None
    assert reply.text.startswith("🧾 Pay 1.65 USD by the link below to get 100 ⭐ for @bob_gift. The invoice is valid")
    assert reply.buttons == [["💳 Pay 1.65 USD"]]
    gateway = await harness.gateway()
    assert len(gateway.invoices) == 1


@pytest.mark.parametrize(
    ("lang", "expected", "gift"),
    [
        (
            "en",
            "You have no @username, and stars are delivered to a username. "
            "Set one in Telegram settings, or send the stars as a gift.",
            "🎁 Gift to @username",
        ),
        (
            "ru",
            "У вас нет @username, а звёзды доставляются на username. "
            "Задайте его в настройках Telegram или отправьте звёзды в подарок.",
            "🎁 В подарок @username",
        ),
    ],
)
async def test_buying_for_myself_without_a_username_offers_a_gift(
    harness: BotHarness, lang: str, expected: str, gift: str
) -> None:
    await harness.send("/start", lang=lang, username=None)
    await harness.send("/buy 100", lang=lang, username=None)
    reply = await harness.pressed("br:0", lang=lang, username=None)
    assert reply.text == expected
    assert reply.buttons[0] == [gift]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "This user was not found on Telegram. Check the username."),
        ("ru", "Такой пользователь в Telegram не найден. Проверьте username."),
    ],
)
async def test_an_unknown_recipient_is_refused_by_its_code(harness: BotHarness, lang: str, expected: str) -> None:
    await start(harness, lang=lang, funds="10.00")
    (await harness.delivery()).unknown_users.add("nobody_here")
    await harness.send("/buy 100 @nobody_here", lang=lang)
    assert (await harness.confirmed(lang=lang)).text == expected


async def test_cancel_button_and_cancel_command(harness: BotHarness) -> None:
    await start(harness, lang="ru")
    await harness.send("/buy 100", lang="ru")
    assert (await harness.pressed("bc:0:", lang="ru")).text == "Отменено."
    assert (await harness.said("/cancel", lang="ru")).text == "Нечего отменять."
    await harness.send("/buy", lang="ru")
    await harness.press("bs:0", lang="ru")
    assert (await harness.said("/cancel", lang="ru")).text == "Отменено."
    assert (await harness.send("150", lang="ru")) == []  # no dialog any more: plain text is not ours


async def test_a_delivered_order_is_completed_after_the_worker_runs(harness: BotHarness) -> None:
    await start(harness, funds="10.00")
    await harness.send("/buy 100 @bob_gift")
    await harness.confirm()
    delivery = await harness.delivery()
    assert delivery.deliver_calls == []  # delivery happens in the worker, not in the bot
    history = await harness.said("/history")
    assert "100 ⭐ for @bob_gift · −1.65 USD · pending" in (history.text or "")
