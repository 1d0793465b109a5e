"""``build_router``: starshop's whole bot as one aiogram router, ready to include in any Dispatcher."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import Router

from starshop.entrypoints.bot import buy, menu, premium, promo, recharge, referrals
from starshop.entrypoints.bot.guards import (
    fits_filter,
    groups_router,
    invalid_buttons_router,
    person_filter,
    private_filter,
)
from starshop.entrypoints.bot.middlewares import (
    ErrorMiddleware,
    LanguageMiddleware,
    MetricsMiddleware,
    ThrottlingMiddleware,
)
from starshop.entrypoints.bot.operators import build_operator_router


def build_router(*, admin_ids: Iterable[int] = ()) -> Router:
    """starshop's router with its middlewares. ``admin_ids`` may use the operator commands; to anyone else they
    do not exist.

    The router takes only what a real person sends (``guards.from_a_person``) and buttons Telegram could have made;
    its handlers answer in the private chat only, and in a group starshop's commands and buttons get a notice that
    the shop works in a private chat (``guards``).

    The middlewares are *inner* ones on the root (aiogram applies them to the sub-routers too): they run only when
    one of starshop's own handlers matched, so an embedding bot's updates are neither throttled nor answered here.
    The Dispatcher must be set up with ``dishka.integrations.aiogram.setup_dishka(container, dp, auto_inject=True)``.
    """
    root = Router(name="starshop")
    root.message.filter(person_filter)
    root.callback_query.filter(person_filter, fits_filter)
    private = Router(name="starshop.private")
    private.message.filter(private_filter)
    private.callback_query.filter(private_filter)
    private.include_routers(
        build_operator_router(admin_ids),
        menu.routes.build(),
        buy.routes.build(),
        premium.routes.build(),
        recharge.routes.build(),
        promo.routes.build(),
        referrals.routes.build(),
        invalid_buttons_router(),
    )
    root.include_routers(private, groups_router())
    language, errors, throttling = LanguageMiddleware(), ErrorMiddleware(), ThrottlingMiddleware()
    counted = MetricsMiddleware()
    for observer in (root.message, root.callback_query):
        observer.middleware(counted)
        observer.middleware(language)
        observer.middleware(errors)
        observer.middleware(throttling)
    return root
