# ruff: noqa: RUF001  (Russian texts, dashes, emoji and look-alike digits are the point of these tests)
"""The bot against its own users and against Telegram's retries, as an attacker would try it: real update shapes
posted to ``POST /webhooks/telegram`` on each stack, answered through the fake Bot API."""

import json
import logging
import time
from typing import Any

import pytest

from starshop.entrypoints.bot.replies import cut
from starshop.testing.fakes.bot_api import BOT_USERNAME, Call

from .conftest import ALICE, ShopBot

GROUP = {"id": -100123, "type": "group", "title": "Friends"}
SUPERGROUP = {"id": -1001234567890, "type": "supergroup", "title": "Chat"}
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
A_BOT = {"id": 5550001, "is_bot": True, "first_name": "Spam", "username": "spam_bot"}
PRIVATE_ONLY = f"Starshop works in a private chat only: https://t.me/{BOT_USERNAME}"
STALE = (
    "This confirmation is out of date: a newer order replaced it, so nothing was bought. "
    "Confirm the latest order or start again with /buy."
)
NOT_VALID = "This button is not valid. Send /start for the menu."


def to_telegram(calls: list[Call]) -> list[Call]:
    """What the bot did, leaving out ``getMe`` (its own name, asked once)."""
    return [c for c in calls if c.method != "getMe"]


def texts(calls: list[Call]) -> list[str | None]:
    return [c.text for c in calls if c.method in {"sendMessage", "editMessageText"}]


async def balance(shop_bot: ShopBot) -> str | None:
    return (await shop_bot.said("/balance")).text


# --- 2. A Confirm button belongs to the confirmation it sits on ---------------------------------------------------


async def test_confirm_on_an_older_confirmation_is_refused_and_its_keyboard_removed(shop_bot: ShopBot) -> None:
    await shop_bot.send("/start")
    await shop_bot.bonus(ALICE, "200.00")
    await shop_bot.send("/buy 100 @bob_gift")
    first, first_message = shop_bot.confirmation()
    await shop_bot.send("/buy 10000 @carol_x")
    calls = await shop_bot.press(first, message_id=first_message)
    assert texts(calls) == [STALE]
    [removed] = [c for c in calls if c.method == "editMessageReplyMarkup"]
    assert removed.params["message_id"] == first_message
    assert "reply_markup" not in removed.params or removed.params["reply_markup"] == {"inline_keyboard": []}
    assert [c.method for c in calls].count("answerCallbackQuery") == 1
    assert (await balance(shop_bot) or "").startswith("💰 Balance: 200.00 USD\nAvailable: 200.00 USD")
    # the newer confirmation still places its own order, at its own price
    accepted = await shop_bot.confirmed()
    assert (accepted.text or "").startswith("✅ Order accepted: 10000 ⭐ for @carol_x. 165.00 USD is reserved")
    # and the older one stays refused once no order is waiting
    calls = await shop_bot.press(first, message_id=first_message)
    assert texts(calls) == ["This button has expired. Start again with /buy."]
    assert (await balance(shop_bot) or "").startswith("💰 Balance: 200.00 USD\nAvailable: 35.00 USD")


async def test_confirm_with_a_forged_reference_places_nothing(shop_bot: ShopBot) -> None:
    await shop_bot.send("/start")
    await shop_bot.bonus(ALICE, "10.00")
    await shop_bot.send("/buy 100 @bob_gift")
    _, message_id = shop_bot.confirmation()
    for forged in ("bc:1", "bc:1:", "bc:1:0000000000000000", "bc:1:tg-0000000000000000"):
        calls = await shop_bot.press(forged, message_id=message_id)
        assert [c.method for c in calls].count("answerCallbackQuery") == 1
        assert "✅ Order accepted" not in str(texts(calls))
    assert (await balance(shop_bot) or "").startswith("💰 Balance: 10.00 USD\nAvailable: 10.00 USD")
    assert (await shop_bot.confirmed()).text is not None  # the genuine button still works


# --- 3. The shop answers in private chats only ---------------------------------------------------------------------


@pytest.mark.parametrize("chat", [GROUP, SUPERGROUP], ids=["group", "supergroup"])
async def test_in_a_group_commands_only_point_to_the_private_chat(shop_bot: ShopBot, chat: dict[str, Any]) -> None:
    await shop_bot.send("/start")
    await shop_bot.bonus(ALICE, "50.00")
    for command in ("/start", "/balance", "/history", "/help", "/buy 100 @bob_gift", "/recharge 5", "/lang"):
        calls = to_telegram(await shop_bot.send(command, chat=chat))
        assert [(c.method, c.params["chat_id"], c.text) for c in calls] == [("sendMessage", chat["id"], PRIVATE_ONLY)]
        assert calls[0].keyboard is None
    command = f"/balance@{BOT_USERNAME}"
    assert texts(await shop_bot.send(command, chat=chat)) == [PRIVATE_ONLY]
    assert await shop_bot.send("/balance@someone_elses_bot", chat=chat) == []
    assert await shop_bot.send("hello everyone", chat=chat) == []
    # nothing was bought or invoiced from the group
    assert (await balance(shop_bot) or "").startswith("💰 Balance: 50.00 USD\nAvailable: 50.00 USD")
    history = (await shop_bot.said("/history")).text or ""
    assert "Bonus" in history
    assert "Top-up" not in history
    assert "@bob_gift" not in history


async def test_in_a_group_the_notice_is_in_the_users_language_and_no_account_is_made(shop_bot: ShopBot) -> None:
    for command in ("/start", "/balance"):
        calls = await shop_bot.send(command, chat=GROUP, lang="ru", user_id=202)
        assert texts(calls) == [f"Starshop работает только в личном чате: https://t.me/{BOT_USERNAME}"]
    assert await shop_bot.user_record(202) is None


async def test_a_group_never_sees_a_dialog_step_or_plain_text_answered(shop_bot: ShopBot) -> None:
    await shop_bot.send("/start")
    await shop_bot.send("/buy")
    await shop_bot.press("bs:0")  # the private dialog now waits for a number
    assert await shop_bot.send("150", chat=GROUP) == []
    assert await shop_bot.send("@bob_gift", chat=GROUP) == []


@pytest.mark.parametrize("data", ["m:balance", "m:history", "bs:100", "tu:5", "h:1", "zzz"])
async def test_a_button_pressed_in_a_group_only_gets_the_notice_in_its_answer(shop_bot: ShopBot, data: str) -> None:
    await shop_bot.send("/start")
    calls = to_telegram(await shop_bot.press(data, chat=GROUP))
    assert [(c.method, c.params.get("text")) for c in calls] == [("answerCallbackQuery", PRIVATE_ONLY)]


# --- 4. Only real persons get an account -----------------------------------------------------------------------------


def _message(text: str, chat: dict[str, Any], sender: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": 1, "date": int(time.time()), "chat": chat, "text": text, **extra}
    if sender is not None:
        message["from"] = sender
    return message


NOT_PERSONS = {
    "a-bot-in-private": (_message("{}", {"id": A_BOT["id"], "type": "private"}, A_BOT), A_BOT["id"]),
    "anonymous-admin": (_message("{}", SUPERGROUP, ANONYMOUS_ADMIN, sender_chat=SUPERGROUP), ANONYMOUS_ADMIN["id"]),
    "no-from-in-private": (_message("{}", {"id": ALICE, "type": "private"}, None), ALICE),
    "no-from-in-group": (_message("{}", GROUP, None), ALICE),
    "channel-in-its-group": (
        _message("{}", SUPERGROUP, CHANNEL_BOT, sender_chat={"id": -1009, "type": "channel", "title": "News"}),
        CHANNEL_BOT["id"],
    ),
    "as-a-channel-in-private": (
        _message(
            "{}",
            {"id": ALICE, "type": "private"},
            {"id": ALICE, "is_bot": False, "first_name": "Alice"},
            sender_chat={"id": -1009, "type": "channel", "title": "News"},
        ),
        -1009,
    ),
}


@pytest.mark.parametrize(("shape", "account"), NOT_PERSONS.values(), ids=NOT_PERSONS.keys())
async def test_a_sender_that_is_not_a_person_is_ignored_without_an_error(
    shop_bot: ShopBot, caplog: pytest.LogCaptureFixture, shape: dict[str, Any], account: int
) -> None:
    with caplog.at_level(logging.WARNING):
        for command in ("/start", "/recharge 5", "/balance", "/buy 100 @bob_gift", "/history"):
            message = json.loads(json.dumps(shape))
            message["text"] = command
            assert await shop_bot.feed({"message": message}) == []
    assert await shop_bot.user_record(account) is None
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


# --- 5. Numbers are ASCII digits ------------------------------------------------------------------------------------

LOOK_ALIKES = ["²⁵⁰", "100²", "①⓪⓪", "１００", "٥٠٠", "1e3", "1_000", "+100"]


@pytest.mark.parametrize("typed", LOOK_ALIKES)
async def test_a_star_count_is_ascii_digits_only(shop_bot: ShopBot, typed: str) -> None:
    await shop_bot.send("/start")
    expected = f"«{typed.strip()}» is not a number. Send a whole number of stars, for example 100."
    assert (await shop_bot.said(f"/buy {typed} @bob_gift")).text == expected
    # typed into the dialog, the same answer
    assert (await shop_bot.said(typed)).text == expected


@pytest.mark.parametrize("typed", [*LOOK_ALIKES, "５.００", "1e1", "Infinity", "0x10", "5,5,5"])
async def test_a_top_up_amount_is_ascii_digits_only(shop_bot: ShopBot, typed: str) -> None:
    await shop_bot.send("/start")
    expected = f"«{typed.strip()}» is not an amount. Send a number, for example 12.50."
    assert (await shop_bot.said(f"/recharge {typed}")).text == expected
    assert (await shop_bot.said(typed)).text == expected


async def test_plain_ascii_amounts_still_work(shop_bot: ShopBot) -> None:
    await shop_bot.send("/start")
    reply = await shop_bot.said("/recharge 12,50")
    assert (reply.text or "").startswith("🧾 Top-up of 12.50 USD")
    assert (await shop_bot.said("/buy 0100 @bob_gift")).text is not None
    assert shop_bot.confirmation()[0].startswith("bc:1")


# --- 6. Callback data is validated as strictly as typed input ----------------------------------------------------


async def in_the_payment_step(shop_bot: ShopBot) -> None:
    await shop_bot.send("/start")
    await shop_bot.send("/buy 100")
    await shop_bot.press("br:1")
    await shop_bot.send("bob_gift")


def answered(calls: list[Call]) -> list[str | None]:
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


@pytest.mark.parametrize("data", ["bp:bitcoin", "bp:", "bp:balance:1", "bp:" + "x" * 200])
async def test_an_unknown_pay_method_gets_a_clear_answer_and_changes_nothing(shop_bot: ShopBot, data: str) -> None:
    await in_the_payment_step(shop_bot)
    calls = await shop_bot.press(data)
    assert answered(calls) == [NOT_VALID]
    assert texts(calls) == []
    # the dialog is where it was: a real method still leads to the confirmation
    reply = await shop_bot.pressed("bp:invoice")
    assert (reply.text or "").endswith("💵 Price: 1.65 USD\n💳 Payment: by invoice")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("bs:-100", "At least 50 stars per purchase — you sent -100."),
        ("bs:49", "At least 50 stars per purchase — you sent 49."),
        ("bs:10001", "At most 10000 stars per purchase — you sent 10001."),
        ("bs:" + "9" * 50, "At most 10000 stars per purchase — you sent 9999999999999999999999999999999…."),
    ],
)
async def test_a_star_count_out_of_bounds_in_a_button_is_refused_as_if_typed(
    shop_bot: ShopBot, data: str, expected: str
) -> None:
    await shop_bot.send("/start")
    calls = await shop_bot.press(data)
    assert texts(calls) == [expected]
    assert len(answered(calls)) == 1
    assert await shop_bot.send("bob_gift") == []  # no recipient step was opened


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "zzz",
        "m:nothing",
        "bs:abc",
        "bs:１００",
        "bs:1_000",
        "h:x",
        "tu",
        "l",
        "br:maybe",
        "bc:2:x",
        "x" * 300,
        "bc:1:" + "f" * 300,
        "m:balance:extra",
    ],
)
async def test_garbage_callback_data_is_answered_clearly(shop_bot: ShopBot, data: str | None) -> None:
    await shop_bot.send("/start")
    calls = await shop_bot.press(data)
    assert [(c.method, c.params.get("text")) for c in calls] == [("answerCallbackQuery", NOT_VALID)]


@pytest.mark.parametrize("data", ["h:0", "h:-3", "h:99999"])
async def test_a_history_page_out_of_range_shows_a_real_page(shop_bot: ShopBot, data: str) -> None:
    await shop_bot.send("/start")
    await shop_bot.bonus(ALICE, "5.00")
    reply = await shop_bot.pressed(data)
    assert (reply.text or "").startswith("📜 Your transactions, page 1 of 1:")


async def test_every_button_of_every_screen_is_answered(shop_bot: ShopBot) -> None:
    await shop_bot.send("/start")
    await shop_bot.bonus(ALICE, "10.00")
    for data in ["m:buy", "bs:100", "br:1", "m:balance", "m:history", "m:topup", "tu:5", "m:lang", "l:ru", "m:help"]:
        calls = await shop_bot.press(data)
        assert len(answered(calls)) == 1, (data, calls)
    await shop_bot.send("/buy 100 @bob_gift")
    for data in ["bp:balance", "br:0", "bc:0:"]:  # out of their step: expired or cancelled, and answered
        calls = await shop_bot.press(data)
        assert len(answered(calls)) == 1, (data, calls)


# --- 7. Replies never echo unbounded input ------------------------------------------------------------------------


async def test_a_huge_star_count_is_quoted_back_cut(shop_bot: ShopBot) -> None:
    await shop_bot.send("/start")
    reply = await shop_bot.said("/buy " + "9" * 4000)
    assert reply.text == "At most 10000 stars per purchase — you sent 9999999999999999999999999999999…."


async def test_a_huge_username_is_quoted_back_cut(shop_bot: ShopBot) -> None:
    await shop_bot.send("/start")
    tail = (
        "«@xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…» is not a Telegram username: 5–32 Latin letters, digits or _, like @durov."
    )
    assert (await shop_bot.said("/buy 100 @" + "x" * 4000)).text == tail
    assert (await shop_bot.said("@" + "x" * 4000)).text == tail  # the dialog waits for a username now


async def test_huge_junk_is_quoted_back_cut(shop_bot: ShopBot) -> None:
    await shop_bot.send("/start")
    junk = "<b>" + "ж" * 4000
    assert (await shop_bot.said("/buy " + junk)).text == (
        "«<b>жжжжжжжжжжжжжжжжжжжжжжжжжжжж…» is not a number. Send a whole number of stars, for example 100."
    )
    assert (await shop_bot.said("/recharge " + junk)).text == (
        "«<b>жжжжжжжжжжжжжжжжжжжжжжжжжжжж…» is not an amount. Send a number, for example 12.50."
    )
    emoji = "🤡" * 3000  # each is two UTF-16 code units, as Telegram counts: 15 fit with the "…"
    reply = await shop_bot.said("/recharge " + emoji)
    assert reply.text == "«" + "🤡" * 15 + "…» is not an amount. Send a number, for example 12.50."


async def test_a_long_name_is_cut_in_the_welcome(shop_bot: ShopBot) -> None:
    message = shop_bot.message("/start")
    message["from"]["first_name"] = "N" * 5000
    [reply] = texts(await shop_bot.feed({"message": message}))
    assert (reply or "").startswith("Welcome to Starshop, " + "N" * 31 + "…! ⭐")


def test_a_reply_is_cut_to_what_telegram_accepts_counting_as_telegram_does() -> None:
    assert cut("x" * 5000, 4096) == "x" * 4095 + "…"
    assert cut("🤡" * 3000, 4096) == "🤡" * 2047 + "…"  # two UTF-16 code units each: 4094 + 1
    assert cut("a🤡🤡", 4) == "a🤡…"
    assert cut("short", 4096) == "short"


# --- 8. A malformed webhook body is a 400 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"{", b"not json", b"\xff\xfe\x00", b"", b"[1, 2]", b"null", b'"update"', b'{"update_id": "x"}'],
    ids=["truncated", "not-json", "not-utf8", "empty", "array", "null", "string", "bad-id"],
)
async def test_a_malformed_body_with_the_right_secret_is_a_400(shop_bot: ShopBot, body: bytes) -> None:
    response = await shop_bot.post(body)
    assert response.status_code == 400
    assert shop_bot.fake.calls_to("sendMessage") == []


# --- 10. A refused answerCallbackQuery does not abort the reply -------------------------------------------------


@pytest.mark.parametrize(
    ("status", "description"),
    [(429, "Too Many Requests: retry after 5"), (500, "Internal Server Error"), (502, "Bad Gateway")],
)
async def test_a_failed_callback_answer_does_not_stop_the_reply(
    shop_bot: ShopBot, status: int, description: str
) -> None:
    await shop_bot.send("/start")
    await shop_bot.bonus(ALICE, "3.00")
    shop_bot.fake.fail_next(
        "answerCallbackQuery", status=status, description=description, retry_after=5 if status == 429 else None
    )
    calls = await shop_bot.press("m:balance")
    assert texts(calls) == ["💰 Balance: 3.00 USD\nAvailable: 3.00 USD\nReserved for orders in progress: 0.00 USD"]
    shop_bot.fake.fail_next("answerCallbackQuery", status=status, description=description, retry_after=None)
    calls = await shop_bot.press("bs:100")  # an edit in place
    assert texts(calls) == ["100 ⭐ — who gets them?"]
