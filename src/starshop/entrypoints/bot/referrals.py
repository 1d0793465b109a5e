"""Referrals in the bot: ``/referrals`` or the menu button shows the user's link, how many it invited and what it
earned. A user who starts the bot with ``ref_<code>`` is attributed in ``/start`` (``menu``)."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from dishka import FromDishka

from starshop.adapters.telegram.i18n import text
from starshop.application.use_cases.get_referrals import GetReferrals
from starshop.domain import START_PREFIX
from starshop.entrypoints.bot.callbacks import MenuCb
from starshop.entrypoints.bot.replies import Event, say
from starshop.entrypoints.bot.routes import Routes

routes = Routes("starshop.referrals")


async def show(event: Event, user_id: int, bot: Bot, lang: str, get_referrals: GetReferrals) -> None:
    summary = await get_referrals(user_id)
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={START_PREFIX}{summary.code}"
    await say(
        event,
        text(lang, "referrals", link=link, percent=summary.percent, invited=summary.invited, earned=summary.earned),
    )


@routes.message(Command("referrals"))
async def referrals_command(message: Message, bot: Bot, lang: str, get_referrals: FromDishka[GetReferrals]) -> None:
    await show(message, message.from_user.id, bot, lang, get_referrals)  # type: ignore[union-attr]


@routes.callback_query(MenuCb.filter(F.action == "referrals"))
async def menu_referrals(callback: CallbackQuery, bot: Bot, lang: str, get_referrals: FromDishka[GetReferrals]) -> None:
    await show(callback, callback.from_user.id, bot, lang, get_referrals)
