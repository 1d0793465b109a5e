# ruff: noqa: RUF001  (Russian texts, dashes and emoji are the point of these tests)
"""/start and /balance end to end: the exact text and keyboard out, in English and Russian."""

from .conftest import BotHarness

MENU_EN = [
    ["⭐ Buy stars", "💰 Balance"],
    ["💎 Telegram Premium"],  # the test kit's shop sells Premium
    ["🔁 Repeat last order"],
    ["➕ Top up", "📜 History"],
    ["🎁 Promo code", "🌐 Language"],
    ["👥 Invite friends", "❓ Help"],
]
MENU_RU = [
    ["⭐ Купить звёзды", "💰 Баланс"],
    ["💎 Telegram Premium"],
    ["🔁 Повторить последний заказ"],
    ["➕ Пополнить", "📜 История"],
    ["🎁 Промокод", "🌐 Язык"],
    ["👥 Пригласить друзей", "❓ Помощь"],
]


async def test_start_registers_the_user_and_shows_the_main_menu_in_english(harness: BotHarness) -> None:
    reply = await harness.said("/start")
    assert reply.method == "sendMessage"
    assert reply.params["chat_id"] == 101
    assert reply.text == (
        "Welcome to Starshop, Alice! ⭐\nBuy Telegram Stars for yourself or as a gift to anyone.\n\n"
        "💰 Balance: 0.00 USD"
    )
    assert reply.buttons == MENU_EN
    assert reply.keyboard is not None
    assert reply.keyboard[0][0]["callback_data"] == "m:buy"


async def test_start_speaks_russian_to_a_russian_telegram_user(harness: BotHarness) -> None:
    reply = await harness.said("/start", lang="ru")
    assert reply.text == (
        "Добро пожаловать в Starshop, Alice! ⭐\nПокупайте Telegram Stars себе или в подарок кому угодно.\n\n"
        "💰 Баланс: 0.00 USD"
    )
    assert reply.buttons == MENU_RU


async def test_balance_shows_amount_available_and_reserved(harness: BotHarness) -> None:
    await harness.send("/start")
    await harness.bonus(101, "5.00")
    reply = await harness.said("/balance")
    assert reply.text == "💰 Balance: 5.00 USD\nAvailable: 5.00 USD\nReserved for orders in progress: 0.00 USD"
    reply = await harness.said("/balance", lang="ru")
    assert reply.text == "💰 Баланс: 5.00 USD\nДоступно: 5.00 USD\nЗарезервировано под заказы: 0.00 USD"


async def test_balance_before_start_asks_to_start_first(harness: BotHarness) -> None:
    assert (await harness.said("/balance")).text == "Please send /start first."
    assert (await harness.said("/balance", lang="ru")).text == "Сначала отправьте /start."


async def test_the_balance_button_of_the_menu_answers_the_button_and_shows_the_balance(harness: BotHarness) -> None:
    await harness.send("/start")
    calls = await harness.press("m:balance")
    assert [c.method for c in calls] == ["answerCallbackQuery", "sendMessage"]
    assert calls[1].text is not None
    assert calls[1].text.startswith("💰 Balance: 0.00 USD")
