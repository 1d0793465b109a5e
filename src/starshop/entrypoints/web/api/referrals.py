"""A Mini App user's referral code and link, and what it brought them."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from dishka.exceptions import NoFactoryError
from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, get

from starshop.application.use_cases.get_referrals import GetReferrals
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.base import MiniAppController
from starshop.entrypoints.web.api.identity import MiniAppCaller

log = logging.getLogger(__name__)
ASK_TELEGRAM_FOR = 3.0  # seconds: the answer without its link beats an answer that never comes


async def bot_username(request: Request[Any, Any, Any]) -> str | None:
    """The bot's username when this shop runs with a bot (asked of Telegram once, then remembered by aiogram); ``None``
    (the answer goes without its link) when Telegram does not answer within ``ASK_TELEGRAM_FOR`` seconds.

    A process with a bot imported its wiring (and aiogram) when it started; one without never does, not even here (an
    import of aiogram on a request took seconds on a loaded machine)."""
    telegram = sys.modules.get("starshop.entrypoints.ioc.telegram")
    if telegram is None:
        return None
    try:
        parts = await request.app.state.dishka_container.get(telegram.BotParts)
    except NoFactoryError:
        return None
    try:
        me = await asyncio.wait_for(parts.bot.me(), timeout=ASK_TELEGRAM_FOR)
    except Exception:  # Telegram unreachable or refusing: the code and totals are still right
        log.warning("the bot's username could not be had from Telegram; the referral link is left out", exc_info=True)
        return None
    username: str | None = me.username
    return username


class ReferralsController(MiniAppController):
    path = "/api/v1/referrals"

    @get("/")
    @inject
    async def referrals(
        self, request: Request[Any, Any, Any], caller: MiniAppCaller, get_referrals: FromDishka[GetReferrals]
    ) -> views.Referrals:
        """The caller's referral code, its link ``https://t.me/<bot>?start=ref_<code>`` (``start_param``
        ``ref_<code>`` for a Mini App link with ``startapp``), how many users it invited, and what their completed
        purchases earned (``percent`` of each price, 0 when rewards are off)."""
        profile = await caller.registered()
        return views.Referrals.of(await get_referrals(profile.user_id), await bot_username(request))
