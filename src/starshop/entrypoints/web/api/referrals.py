"""A Mini App user's referral code and link, and what it brought them."""

from __future__ import annotations

from typing import Any

from dishka.exceptions import NoFactoryError
from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, get

from starshop.application.use_cases.get_referrals import GetReferrals
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.base import MiniAppController
from starshop.entrypoints.web.api.identity import MiniAppCaller


async def bot_username(request: Request[Any, Any, Any]) -> str | None:
    """The bot's username when this shop runs with a bot (asked of Telegram once, then remembered by aiogram)."""
    from starshop.entrypoints.ioc.telegram import BotParts  # aiogram is imported only when a bot is configured

    try:
        parts: BotParts = await request.app.state.dishka_container.get(BotParts)
    except NoFactoryError:
        return None
    me = await parts.bot.me()
    return me.username


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
