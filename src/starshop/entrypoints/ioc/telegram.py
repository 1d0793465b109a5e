"""The bot's outside parts: the aiogram ``Bot`` and its dialog storage, and the notifier that speaks through it.

Made when ``STARSHOP_BOT_TOKEN`` is set. The dialog storage is Redis when ``STARSHOP_REDIS_URL`` is set (several
instances share dialogs and ``/lang`` choices), else memory.
"""

from __future__ import annotations

import attrs
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage
from dishka import AsyncContainer, Provider, Scope, from_context, provide

from starshop.adapters.redis import redis_from_url
from starshop.adapters.telegram.broadcaster import AiogramMessageSender
from starshop.adapters.telegram.notifier import AiogramNotifier
from starshop.application.ports import MessageSender, Notifier
from starshop.entrypoints.bot.language import language_lookup
from starshop.entrypoints.settings import BotSettings, RedisSettings


@attrs.frozen
class BotParts:
    bot: Bot
    storage: BaseStorage

    async def close(self) -> None:
        await self.bot.session.close()
        await self.storage.close()


def make_bot_parts(settings: BotSettings) -> BotParts:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_url)) if settings.telegram_url else None
    bot = Bot(settings.token.reveal(), session=session)
    return BotParts(bot, dialog_storage(settings.storage_redis))


def dialog_storage(redis: RedisSettings | None) -> BaseStorage:
    """Redis when it is configured: keys under ``STARSHOP_REDIS_PREFIX`` (``<prefix>fsm:...``), a cluster URL
    served by the cluster client, and destinies on (a dialog may keep data under its own destiny)."""
    if redis is None:
        return MemoryStorage()
    keys = DefaultKeyBuilder(prefix=f"{redis.prefix}fsm", with_destiny=True)
    return RedisStorage(redis_from_url(redis.url), key_builder=keys)  # type: ignore[arg-type]


class TelegramProvider(Provider):
    """Users hear about their payments and purchases in the bot, in their language; operators about flags."""

    scope = Scope.APP
    settings = from_context(provides=BotSettings, scope=Scope.APP)
    parts = from_context(provides=BotParts, scope=Scope.APP)

    @provide
    def sender(self, parts: BotParts) -> MessageSender:
        return AiogramMessageSender(parts.bot)

    @provide
    def notifier(self, parts: BotParts, settings: BotSettings, container: AsyncContainer) -> Notifier:
        return AiogramNotifier(parts.bot, language_lookup(container), admin_ids=settings.admin_ids)
