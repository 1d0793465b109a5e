"""The Dispatcher, the command list told to Telegram, and polling mode."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods.base import Response
from aiogram.types import BotCommand, BotCommandScopeChat, MenuButtonWebApp, Message, Update, User, WebAppInfo
from dishka import AsyncContainer
from dishka.integrations.aiogram import setup_dishka

from starshop.adapters.telegram.i18n import DEFAULT_LANGUAGE, LANGUAGES, text
from starshop.entrypoints.bot.guards import USER_COMMANDS, fallback_router
from starshop.entrypoints.bot.middlewares import (
    ErrorMiddleware,
    LanguageMiddleware,
    ThrottlingMiddleware,
    UpdateIdMiddleware,
)
from starshop.entrypoints.bot.router import build_router

# aiogram reads every Bot API answer as ``Response[<what the method returns>]``, and pydantic keeps such a
# parametrized model only weakly: once collected, the next answer builds the model class again, schema and all
# (a tenth of a ``/balance`` update's CPU time in bench/bot.py). Holding the ones starshop's calls use keeps them.
RESPONSE_MODELS = tuple(Response[returns] for returns in (Message, bool, Message | bool, User, list[Update]))  # type: ignore[valid-type]

OPERATOR_COMMANDS = ("stats", "bonus", "adjust", "tx", "reconcile")


def build_dispatcher(
    container: AsyncContainer,
    *,
    storage: BaseStorage | None = None,
    admin_ids: Iterable[int] = frozenset(),
    shop_url: str | None = None,
) -> Dispatcher:
    """A Dispatcher with starshop's router on the given dishka container (memory FSM storage unless one is given;
    pass aiogram's ``RedisStorage`` when several instances serve the bot). Being only starshop, it also answers
    any button none of starshop's handlers took, so no client spinner is left turning. ``shop_url`` (https: see
    ``storefront_url``) puts the Mini App storefront in the /start menu."""
    dp = Dispatcher(storage=storage or MemoryStorage(), shop_url=shop_url)
    dp.update.outer_middleware(UpdateIdMiddleware())
    dp.include_router(build_router(admin_ids=admin_ids))
    dp.include_router(fallback_router(LanguageMiddleware(), ErrorMiddleware(), ThrottlingMiddleware()))
    setup_dishka(container, dp, auto_inject=True)
    return dp


def bot_commands(lang: str) -> list[BotCommand]:
    return [BotCommand(command=c, description=text(lang, f"cmd_{c}")) for c in USER_COMMANDS]


def storefront_url(base_url: str) -> str | None:
    """The storefront's address for Telegram, which opens only https Mini Apps; ``None`` otherwise."""
    return f"{base_url.rstrip('/')}/app" if base_url.startswith("https://") else None


async def set_bot_commands(bot: Bot, *, admin_ids: Iterable[int] = (), shop_url: str | None = None) -> None:
    """Tell Telegram the command list: English by default, and each language we speak for its users.

    Operators see their commands too, in their own chats only (in English: they are terse). With ``shop_url``,
    the chat menu button opens the storefront.
    """
    if shop_url is not None:
        await bot.set_chat_menu_button(menu_button=MenuButtonWebApp(text="🛍 Shop", web_app=WebAppInfo(url=shop_url)))
    await bot.set_my_commands(bot_commands(DEFAULT_LANGUAGE))
    for lang in LANGUAGES:
        await bot.set_my_commands(bot_commands(lang), language_code=lang)
    operator = [BotCommand(command=c, description=f"/{c}") for c in OPERATOR_COMMANDS]
    for admin in admin_ids:
        scope = BotCommandScopeChat(chat_id=admin)
        await bot.set_my_commands(bot_commands(DEFAULT_LANGUAGE) + operator, scope=scope)


async def run_polling(
    bot: Bot, dp: Dispatcher, *, admin_ids: Iterable[int] = (), handle_signals: bool = True, polling_timeout: int = 10
) -> None:
    """Polling mode: drop any webhook (keeping pending updates), tell the command list, poll until stopped."""
    await bot.delete_webhook(drop_pending_updates=False)
    await set_bot_commands(bot, admin_ids=admin_ids, shop_url=dp.workflow_data.get("shop_url"))
    await dp.start_polling(bot, handle_signals=handle_signals, polling_timeout=polling_timeout)
