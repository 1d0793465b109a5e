"""``build_router``: starshop's whole bot as one aiogram router, ready to include in any Dispatcher."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import Router

from starshop.entrypoints.bot import buy, menu, recharge
from starshop.entrypoints.bot.middlewares import ErrorMiddleware, LanguageMiddleware, ThrottlingMiddleware
from starshop.entrypoints.bot.operators import build_operator_router


def build_router(*, admin_ids: Iterable[int] = ()) -> Router:
    """starshop's router with its middlewares. ``admin_ids`` may use the operator commands; to anyone else they
    do not exist.

    The middlewares are *inner* ones on the root (aiogram applies them to the sub-routers too): they run only when
    one of starshop's own handlers matched, so an embedding bot's updates are neither throttled nor answered here.
    The Dispatcher must be set up with ``dishka.integrations.aiogram.setup_dishka(container, dp, auto_inject=True)``.
    """
    root = Router(name="starshop")
    root.include_routers(
        build_operator_router(admin_ids), menu.routes.build(), buy.routes.build(), recharge.routes.build()
    )
    language, errors, throttling = LanguageMiddleware(), ErrorMiddleware(), ThrottlingMiddleware()
    for observer in (root.message, root.callback_query):
        observer.middleware(language)
        observer.middleware(errors)
        observer.middleware(throttling)
    return root
