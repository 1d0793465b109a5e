"""AiogramMessageSender against the fake Bot API: one attempt each, Telegram's answers as outcomes, never raised."""

import asyncio

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from starshop.adapters.telegram.broadcaster import AiogramMessageSender
from starshop.domain.broadcast import RecipientState, message_of
from starshop.testing.fakes import FakeBotApi
from tests.support import free_port

from .conftest import make_bot

MESSAGE = message_of("Hi <b>all</b> &amp; more", button_text="Open", button_url="https://shop.example/app")


async def test_a_message_goes_out_as_html_with_its_button_and_no_link_preview(fake: FakeBotApi) -> None:
    bot = make_bot(fake)
    try:
        outcome = await AiogramMessageSender(bot).send(5, MESSAGE)
    finally:
        await bot.session.close()
    assert outcome.state is RecipientState.SENT and outcome.retry_after is None
    [call] = fake.calls_to("sendMessage")
    assert call.params["text"] == "Hi <b>all</b> &amp; more" and call.params["parse_mode"] == "HTML"
    assert call.keyboard == [[{"text": "Open", "url": "https://shop.example/app"}]]
    assert call.params["link_preview_options"] == {"is_disabled": True}


async def test_blocked_deactivated_429_and_other_refusals_are_outcomes(fake: FakeBotApi) -> None:
    fake.block(6)
    fake.deactivate(7)
    fake.fail_next("sendMessage", status=403, retry_after=None, description="Forbidden: bot is not a member", chat_id=8)
    fake.fail_next("sendMessage", status=400, retry_after=None, description="Bad Request: chat not found", chat_id=9)
    fake.fail_next("sendMessage", status=429, retry_after=3, chat_id=10)
    bot = make_bot(fake)
    sender = AiogramMessageSender(bot)
    try:
        outcomes = [await sender.send(chat, MESSAGE) for chat in (6, 7, 8, 9, 10)]
    finally:
        await bot.session.close()
    assert [o.state for o in outcomes[:4]] == [
        RecipientState.BLOCKED,
        RecipientState.BLOCKED,
        RecipientState.FAILED,
        RecipientState.FAILED,
    ]
    assert "chat not found" in outcomes[3].error
    assert outcomes[4].retry_after == 3.0


async def test_the_fake_measures_the_busiest_second(fake: FakeBotApi) -> None:
    bot = make_bot(fake)
    try:
        for chat in range(5):
            await bot.send_message(chat + 1, "x")
        await asyncio.sleep(1.05)
        await bot.send_message(9, "x")
    finally:
        await bot.session.close()
    assert fake.most_in_any_second() == 5


async def test_an_unreachable_telegram_is_unknown_never_sent_again() -> None:
    api = TelegramAPIServer.from_base(f"http://127.0.0.1:{free_port()}")
    bot = Bot("123456:unreachable", session=AiohttpSession(api=api))
    try:
        outcome = await AiogramMessageSender(bot).send(5, MESSAGE)
    finally:
        await bot.session.close()
    assert outcome.state is RecipientState.UNKNOWN and outcome.retry_after is None
