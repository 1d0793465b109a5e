"""starshop's Telegram bot on aiogram 3: routers, keyboards, dialogs, Russian and English, polling and webhook.

- ``build_router()``: the bot as one router with its middlewares, to include in any Dispatcher.
- ``build_dispatcher(container, storage=..., admin_ids=..., shop_url=...)``: a ready Dispatcher wired with dishka
  (``shop_url = storefront_url(base_url)``: the Mini App storefront in the /start menu and the chat menu button).
- ``set_bot_commands(bot)``, ``run_polling(bot, dp)``: polling mode.
- ``telegram_webhook_handler(dp, bot, secret)`` and ``telegram_lifespan(dp, bot)``: webhook mode through Litestar.
"""

from starshop.entrypoints.bot.language import language_lookup
from starshop.entrypoints.bot.router import build_router
from starshop.entrypoints.bot.runner import build_dispatcher, run_polling, set_bot_commands, storefront_url
from starshop.entrypoints.bot.webhook import (
    SECRET_HEADER,
    UpdateDeduplicator,
    telegram_lifespan,
    telegram_webhook_handler,
)

__all__ = [
    "SECRET_HEADER",
    "UpdateDeduplicator",
    "build_dispatcher",
    "build_router",
    "language_lookup",
    "run_polling",
    "set_bot_commands",
    "storefront_url",
    "telegram_lifespan",
    "telegram_webhook_handler",
]
