"""Polling mode against the fake's getUpdates: the webhook is dropped, the commands told, updates answered."""

import asyncio
import time

from starshop.entrypoints.bot import build_dispatcher, run_polling, set_bot_commands
from starshop.testing import build_in_memory_shop
from starshop.testing.fakes import FakeBotApi

from .conftest import ADMIN, make_bot


async def test_polling_answers_queued_updates(fake: FakeBotApi) -> None:
    container = build_in_memory_shop().container
    dp = build_dispatcher(container, admin_ids={ADMIN})
    bot = make_bot(fake)
    user = {"id": 101, "is_bot": False, "first_name": "Alice", "language_code": "ru"}
    chat = {"id": 101, "type": "private"}
    fake.queue_update(
        {"message": {"message_id": 1, "date": int(time.time()), "chat": chat, "from": user, "text": "/lang"}}
    )
    polling = asyncio.create_task(run_polling(bot, dp, handle_signals=False, polling_timeout=1))
    try:
        (reply,) = await fake.wait_for("sendMessage")
        assert reply.text == "Выберите язык:"
        fake.queue_update(
            {"message": {"message_id": 2, "date": int(time.time()), "chat": chat, "from": user, "text": "/cancel"}}
        )
        replies = await fake.wait_for("sendMessage", 2)
        assert replies[1].text == "Нечего отменять."
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)
        await container.close()
    assert fake.calls[0].method == "deleteWebhook"
    assert fake.calls[0].params.get("drop_pending_updates") in (None, "false")
    assert len(fake.calls_to("setMyCommands")) == 3
    assert fake.calls_to("getUpdates")[1].params["offset"] == 2  # the first update was confirmed


async def test_the_command_list_is_told_in_both_languages_and_to_operators(fake: FakeBotApi) -> None:
    bot = make_bot(fake)
    try:
        await set_bot_commands(bot, admin_ids=[ADMIN])
    finally:
        await bot.session.close()
    default, en, ru, operator = fake.calls_to("setMyCommands")
    assert "language_code" not in default.params
    assert (en.params["language_code"], ru.params["language_code"]) == ("en", "ru")
    assert [c["command"] for c in en.params["commands"]] == [
        "start", "buy", "premium", "balance", "recharge", "history", "promo", "referrals", "lang", "help", "cancel"
    ]  # fmt: skip
    assert ru.params["commands"][1] == {"command": "buy", "description": "Купить Telegram Stars"}
    assert en.params["commands"][1] == {"command": "buy", "description": "Buy Telegram Stars"}
    assert operator.params["scope"] == {"type": "chat", "chat_id": ADMIN}
    assert [c["command"] for c in operator.params["commands"]][-5:] == ["stats", "bonus", "adjust", "tx", "reconcile"]
