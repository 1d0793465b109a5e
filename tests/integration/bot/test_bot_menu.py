# ruff: noqa: RUF001  (Russian texts, dashes and emoji are the point of these tests)
"""/help, /lang (switched and remembered), /history pages, and the menu buttons."""

from starshop.application.use_cases.set_language import LanguageChoice, SetLanguage

from .conftest import BotHarness


async def test_help_lists_the_commands_in_both_languages(harness: BotHarness) -> None:
    reply = await harness.said("/help")
    assert reply.text is not None
    assert reply.text.startswith(
        "⭐ Starshop sells Telegram Stars.\n\n/buy [stars] [@recipient] — buy stars (at least 50)"
    )
    reply = await harness.said("/help", lang="ru")
    assert reply.text is not None
    assert reply.text.startswith("⭐ Starshop продаёт Telegram Stars.\n\n/buy [звёзды] [@получатель] — купить звёзды")
    assert (await harness.pressed("m:help")).text == (await harness.said("/help")).text


async def test_lang_switches_the_language_and_it_is_remembered(harness: BotHarness) -> None:
    await harness.send("/start")
    reply = await harness.said("/lang")
    assert reply.text == "Choose your language:"
    assert reply.buttons == [["🇬🇧 English", "🇷🇺 Русский"]]
    reply = await harness.pressed("l:ru")
    assert reply.method == "editMessageText"
    assert reply.text == "Язык: русский 🇷🇺"
    # Telegram still says "en", the choice wins, also after a dialog ended
    await harness.send("/buy")
    await harness.send("/cancel")
    assert (await harness.said("/balance")).text == (
        "💰 Баланс: 0.00 USD\nДоступно: 0.00 USD\nЗарезервировано под заказы: 0.00 USD"
    )
    assert (await harness.pressed("l:en", lang="en")).text == "Language: English 🇬🇧"
    assert (await harness.said("/balance", lang="ru")).text == (  # a Russian profile, English chosen: English
        "💰 Balance: 0.00 USD\nAvailable: 0.00 USD\nReserved for orders in progress: 0.00 USD"
    )
    assert (await harness.said("/cancel", lang="ru")).text == "Nothing to cancel."
    assert (await harness.pressed("m:lang")).text == "Choose your language:"


async def test_the_chosen_language_lives_on_the_user_row_and_survives_a_flush_of_the_dialog_storage(
    harness: BotHarness,
) -> None:
    await harness.send("/start")
    await harness.press("l:ru")
    harness.dp.fsm.storage.storage.clear()  # type: ignore[attr-defined]  # what a Redis flush leaves: no dialog data
    assert (await harness.said("/cancel")).text == "Нечего отменять."
    async with harness.container() as scope:  # the storefront's PUT /api/v1/me/language
        await (await scope.get(SetLanguage))(LanguageChoice(user_id=101, language="en"))
    assert (await harness.said("/cancel", lang="ru")).text == "Nothing to cancel."


async def test_a_language_button_with_a_forged_code_falls_back_to_english(harness: BotHarness) -> None:
    await harness.send("/start", lang="ru")
    assert (await harness.pressed("l:xx", lang="ru")).text == "Language: English 🇬🇧"


async def test_history_is_empty_at_first(harness: BotHarness) -> None:
    await harness.send("/start")
    assert (await harness.said("/history")).text == (
        "No transactions yet. Top up with /recharge or buy stars with /buy."
    )
    assert (await harness.said("/history", lang="ru")).text == (
        "Операций пока нет. Пополните баланс через /recharge или купите звёзды через /buy."
    )


async def test_history_pages_through_transactions_newest_first(harness: BotHarness) -> None:
    await harness.send("/start")
    for amount in ("1.00", "2.00", "3.00", "4.00", "5.00", "6.00"):
        await harness.bonus(101, amount)
    reply = await harness.said("/history")
    assert reply.text is not None
    lines = reply.text.split("\n")
    assert lines[0] == "📜 Your transactions, page 1 of 2:"
    assert len(lines) == 2 + 5
    assert lines[2].endswith(" · Bonus · +6.00 USD · done")
    assert reply.buttons == [["Next ▶"]]
    reply = await harness.pressed("h:2", lang="ru")
    assert reply.method == "editMessageText"
    assert reply.text is not None
    assert reply.text.split("\n")[0] == "📜 Ваши операции, страница 2 из 2:"
    assert reply.text.split("\n")[2].endswith(" · Бонус · +1.00 USD · выполнено")
    assert reply.buttons == [["◀ Назад"]]
    menu = await harness.pressed("m:history")
    assert menu.method == "sendMessage"
    assert menu.buttons == [["Next ▶"]]


async def test_pressing_the_same_page_twice_changes_nothing_and_says_nothing(harness: BotHarness) -> None:
    await harness.send("/start")
    for amount in ("1.00", "2.00", "3.00", "4.00", "5.00", "6.00"):
        await harness.bonus(101, amount)
    first = await harness.press("h:2")
    second = await harness.press("h:2")
    assert [c.method for c in first] == ["answerCallbackQuery", "editMessageText"]
    assert [c.method for c in second] == ["answerCallbackQuery", "editMessageText"]  # refused: "not modified"
    assert harness.fake.calls_to("sendMessage")[-1].text != "Something went wrong on our side."
    assert len(harness.fake.calls_to("sendMessage")) == 1  # only the /start menu
