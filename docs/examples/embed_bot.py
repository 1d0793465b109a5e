"""Embedding starshop's bot in your own aiogram project: your handlers and starshop's, one Dispatcher.

Run it with a real token: ``STARSHOP_BOT_TOKEN=... python docs/examples/embed_bot.py``.
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher, Router
from aiogram.filters import Command
from aiogram.types import Message
from dishka import AsyncContainer
from dishka.integrations.aiogram import setup_dishka

from starshop.entrypoints.bot import build_router, set_bot_commands
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Sections
from starshop.testing import default_config, default_policy


def my_router() -> Router:
    """Your own project's handlers."""
    router = Router(name="my_project")

    @router.message(Command("ping"))
    async def ping(message: Message) -> None:
        await message.answer("pong")

    return router


def build(admin_ids: frozenset[int] = frozenset()) -> tuple[Dispatcher, AsyncContainer]:
    # The in-memory store and sandbox payments here; in production, pass your settings instead:
    #     container = build_container(load_settings())   # starshop.entrypoints.ioc / .settings
    container = build_container(Sections(policy=default_policy(), config=default_config(), database=None))
    dp = Dispatcher()
    dp.include_routers(my_router(), build_router(admin_ids=admin_ids))
    # starshop's handlers take their use cases from dishka: wire the container into *your* Dispatcher.
    setup_dishka(container, dp, auto_inject=True)
    return dp, container


async def main() -> None:
    bot = Bot(os.environ["STARSHOP_BOT_TOKEN"])
    dp, container = build()
    try:
        await set_bot_commands(bot)
        await dp.start_polling(bot)
    finally:
        await container.close()


if __name__ == "__main__":
    asyncio.run(main())
