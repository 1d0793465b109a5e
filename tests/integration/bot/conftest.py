"""A bot harness: aiogram with real HTTP to the fake Bot API, starshop's Dispatcher on the in-memory container."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Update
from dishka import AsyncContainer, Provider

from starshop.adapters.memory import ScriptedPaymentGateway, ScriptedStarDelivery, UnlimitedRateLimiter
from starshop.adapters.telegram.fake_bot_api import BOT_ID, Call, FakeBotApi
from starshop.application.config import ShopConfig
from starshop.application.ports import PaymentGateway, RateLimiter, StarDelivery
from starshop.application.use_cases.grant_bonus import GrantBonus, OperatorCredit
from starshop.entrypoints.bot import build_dispatcher
from starshop.entrypoints.providers import make_in_memory_container
from starshop.testing import default_config, default_policy

ADMIN = 900
ALICE = 101
TOKEN = "42:TEST-TOKEN"


def make_bot(fake: FakeBotApi) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))


class BotHarness:
    """Feeds updates as a given user and returns what the bot said through the fake Bot API."""

    def __init__(self, fake: FakeBotApi, bot: Bot, dp: Dispatcher, container: AsyncContainer) -> None:
        self.fake, self.bot, self.dp, self.container = fake, bot, dp, container
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    def user(self, user_id: int = ALICE, lang: str = "en", username: str | None = "alice_tg") -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Alice", "language_code": lang}
        if username:
            user["username"] = username
        return user

    async def feed(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.fake.calls)
        update["update_id"] = next(self._update_ids)
        await self.dp.feed_update(self.bot, Update.model_validate(update, context={"bot": self.bot}))
        return self.fake.calls[before:]

    async def send(self, text: str, **user: Any) -> list[Call]:
        sender = self.user(**user)
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": sender["id"], "type": "private"},
            "from": sender,
            "text": text,
        }
        return await self.feed({"message": message})

    async def press(self, data: str, *, message_id: int = 500, **user: Any) -> list[Call]:
        sender = self.user(**user)
        bot_message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": sender["id"], "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Starshop"},
            "text": "...",
        }
        query = {"id": f"cq{next(self._update_ids)}", "from": sender, "chat_instance": "1", "data": data}
        return await self.feed({"callback_query": {**query, "message": bot_message}})

    async def said(self, text: str, **user: Any) -> Call:
        """Send a message and return the one message the bot said back."""
        out = [c for c in await self.send(text, **user) if c.method in {"sendMessage", "editMessageText"}]
        assert len(out) == 1, out
        return out[0]

    async def pressed(self, data: str, **user: Any) -> Call:
        out = [c for c in await self.press(data, **user) if c.method in {"sendMessage", "editMessageText"}]
        assert len(out) == 1, out
        return out[0]

    async def bonus(self, user_id: int, amount: str) -> None:
        async with self.container() as scope:
            grant = await scope.get(GrantBonus)
            money = default_config().currency_money(amount)
            await grant(OperatorCredit(operator_id=ADMIN, user_id=user_id, amount=money, reason="test"))

    async def delivery(self) -> ScriptedStarDelivery:
        found = await self.container.get(StarDelivery)
        assert isinstance(found, ScriptedStarDelivery)
        return found

    async def gateway(self) -> ScriptedPaymentGateway:
        found = await self.container.get(PaymentGateway)
        assert isinstance(found, ScriptedPaymentGateway)
        return found

    async def limiter(self) -> UnlimitedRateLimiter:
        found = await self.container.get(RateLimiter)
        assert isinstance(found, UnlimitedRateLimiter)
        return found


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@asynccontextmanager
async def bot_harness(
    fake: FakeBotApi, *providers: Provider, config: ShopConfig | None = None
) -> AsyncIterator[BotHarness]:
    """The bot on a fresh in-memory container (``providers`` override its parts), started as the dishka trap says."""
    container = make_in_memory_container(default_policy(), config or default_config(), *providers)
    dp = build_dispatcher(container, admin_ids={ADMIN})
    bot = make_bot(fake)
    await dp.emit_startup(bot=bot)
    try:
        yield BotHarness(fake, bot, dp, container)
    finally:
        await dp.emit_shutdown(bot=bot)
        await bot.session.close()
        await container.close()


@pytest.fixture
async def harness(fake: FakeBotApi) -> AsyncIterator[BotHarness]:
    async with bot_harness(fake) as h:
        yield h
