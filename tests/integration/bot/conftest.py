"""Bot harnesses: aiogram with real HTTP to the fake Bot API. ``harness``: starshop's Dispatcher on the in-memory
container, fed directly. ``shop_bot``: the bot as production wires it (the app, its container, the webhook route),
on each stack, with every update posted to ``POST /webhooks/telegram`` as Telegram posts it."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import httpx
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Update
from dishka import AsyncContainer, Provider

from starshop.adapters.inprocess import InProcessRateLimiter
from starshop.adapters.redis import RedisCache, redis_from_url
from starshop.application.config import ShopConfig
from starshop.application.ports import UnitOfWork
from starshop.application.use_cases.get_user import GetUser
from starshop.application.use_cases.grant_bonus import GrantBonus, OperatorCredit
from starshop.domain import User
from starshop.entrypoints.bot import (
    SECRET_HEADER,
    UpdateDeduplicator,
    build_dispatcher,
    telegram_lifespan,
    telegram_webhook_handler,
)
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.ioc.telegram import make_bot_parts
from starshop.entrypoints.runtime import closing
from starshop.entrypoints.settings import Secret, Settings
from starshop.entrypoints.web import create_app
from starshop.testing import Fakes, build_in_memory_shop, default_config
from starshop.testing.doubles import ScriptedPaymentGateway, ScriptedStarDelivery
from starshop.testing.fakes import FakeBotApi
from starshop.testing.fakes.bot_api import BOT_ID, Call
from tests.support import free_port, serving

ADMIN = 900
ALICE = 101
TOKEN = "42:TEST-TOKEN"


def make_bot(fake: FakeBotApi) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))


def _confirms(button: dict[str, Any]) -> bool:
    return str(button.get("callback_data", "")).split(":")[:2] == ["bc", "1"]


class BotHarness:
    """Feeds updates as a given user and returns what the bot said through the fake Bot API."""

    def __init__(
        self, fake: FakeBotApi, bot: Bot, dp: Dispatcher, container: AsyncContainer, fakes: Fakes | None = None
    ) -> None:
        self.fake, self.bot, self.dp, self.container = fake, bot, dp, container
        self._fakes = fakes
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

    def message(self, text: str, *, chat: dict[str, Any] | None = None, **user: Any) -> dict[str, Any]:
        """A message as Telegram sends it: in the sender's private chat unless ``chat`` is given."""
        sender = self.user(**user)
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat or {"id": sender["id"], "type": "private"},
            "from": sender,
            "text": text,
        }

    async def send(self, text: str, *, chat: dict[str, Any] | None = None, **user: Any) -> list[Call]:
        return await self.feed({"message": self.message(text, chat=chat, **user)})

    async def press(
        self, data: str | None, *, message_id: int = 500, chat: dict[str, Any] | None = None, **user: Any
    ) -> list[Call]:
        """Press a button whose ``callback_data`` is ``data`` (``None``: a query without data) on a bot message."""
        sender = self.user(**user)
        bot_message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat or {"id": sender["id"], "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Starshop"},
            "text": "...",
        }
        query: dict[str, Any] = {"id": f"cq{next(self._update_ids)}", "from": sender, "chat_instance": "1"}
        if data is not None:
            query["data"] = data
        return await self.feed({"callback_query": {**query, "message": bot_message}})

    def confirmation(self, index: int = -1) -> tuple[str, int]:
        """The callback data of a *Confirm* button the bot showed (the last one by default) and its message's id."""
        shown = []
        for call in self.fake.sent:
            for row in call.keyboard or []:
                shown += [(b["callback_data"], call.message_id) for b in row if _confirms(b)]
        data, message_id = shown[index]
        assert message_id is not None
        return data, message_id

    async def confirm(self, index: int = -1, **user: Any) -> list[Call]:
        """Press *Confirm* on a confirmation the bot showed (the last one by default)."""
        data, message_id = self.confirmation(index)
        return await self.press(data, message_id=message_id, **user)

    async def confirmed(self, **user: Any) -> Call:
        out = [c for c in await self.confirm(**user) if c.method in {"sendMessage", "editMessageText"}]
        assert len(out) == 1, out
        return out[0]

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

    @property
    def fakes(self) -> Fakes:
        assert self._fakes is not None, "only the in-memory harness has fakes"
        return self._fakes

    async def delivery(self) -> ScriptedStarDelivery:
        return self.fakes.delivery

    async def gateway(self) -> ScriptedPaymentGateway:
        return self.fakes.gateway

    async def limiter(self) -> InProcessRateLimiter:
        return self.fakes.limiter


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@asynccontextmanager
async def bot_harness(
    fake: FakeBotApi, *providers: Provider, config: ShopConfig | None = None
) -> AsyncIterator[BotHarness]:
    """The bot on the test kit's shop (``providers`` override its parts), started as the dishka trap says."""
    shop = build_in_memory_shop(config=config, overrides=providers)
    container = shop.container
    dp = build_dispatcher(container, admin_ids={ADMIN})
    bot = make_bot(fake)
    await dp.emit_startup(bot=bot)
    try:
        yield BotHarness(fake, bot, dp, container, shop.fakes)
    finally:
        await dp.emit_shutdown(bot=bot)
        await bot.session.close()
        await container.close()


@pytest.fixture
async def harness(fake: FakeBotApi) -> AsyncIterator[BotHarness]:
    async with bot_harness(fake) as h:
        yield h


WEBHOOK_SECRET = "stack-webhook-secret"


class ShopBot(BotHarness):
    """The bot as ``starshop run`` wires it in webhook mode, on one stack: every update goes over HTTP to
    ``POST /webhooks/telegram`` with Telegram's secret header, through the deduplicator, the Dispatcher and the
    stack's dialog storage."""

    def __init__(self, fake: FakeBotApi, bot: Bot, dp: Dispatcher, container: AsyncContainer, url: str) -> None:
        super().__init__(fake, bot, dp, container)
        self.url = url
        self.responses: list[httpx.Response] = []

    async def post(self, body: bytes, secret: str = WEBHOOK_SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret, "Content-Type": "application/json"}
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.post(self.url, content=body, headers=headers)

    async def feed(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.fake.calls)
        update["update_id"] = next(self._update_ids)
        response = await self.post(json.dumps(update).encode())
        self.responses.append(response)
        assert response.status_code == 200, response.text
        return self.fake.calls[before:]

    async def user_record(self, user_id: int) -> User | None:
        async with self.container() as scope:
            return await GetUser(await scope.get(UnitOfWork))(user_id)


@asynccontextmanager
async def stack_bot(stack: dict[str, Any], fake: FakeBotApi, **changes: Any) -> AsyncIterator[ShopBot]:
    """The bot as ``starshop run`` wires it in webhook mode on ``stack``; ``changes`` are further settings."""
    port = free_port()
    settings = Settings(
        port=port,
        bot_token=Secret(TOKEN),
        bot_mode="webhook",
        bot_webhook_secret=Secret(WEBHOOK_SECRET),
        telegram_url=fake.url,
        admin_ids=frozenset({ADMIN}),
        rate_limits={},
        **stack,
        **changes,
    )
    parts = make_bot_parts(settings.sections().bot)
    container = build_container(settings, bot=parts)
    dp = build_dispatcher(container, storage=parts.storage, admin_ids=settings.admin_ids)
    shared, client = None, None
    if settings.redis_url:  # as the app does: web instances agree on which one handles an update
        client = redis_from_url(settings.redis_url)
        shared = RedisCache(client, prefix=settings.redis_prefix)
    route = telegram_webhook_handler(dp, parts.bot, WEBHOOK_SECRET, deduplicator=UpdateDeduplicator(shared=shared))
    app = create_app(
        container, routes=[route], pieces=[partial(closing, parts.close), telegram_lifespan(dp, parts.bot)]
    )
    try:
        async with serving(app, port) as url:
            yield ShopBot(fake, parts.bot, dp, container, f"{url}/webhooks/telegram")
    finally:
        if client is not None:
            await client.aclose()


@pytest.fixture
async def shop_bot(stack: dict[str, Any], fake: FakeBotApi) -> AsyncIterator[ShopBot]:
    async with stack_bot(stack, fake) as bot:
        yield bot
