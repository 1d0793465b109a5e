"""Who the shop serves, and where: real persons, in their private chat with the bot.

- ``from_a_person``: a sender that is not a person (a bot, ``GroupAnonymousBot``, a channel's ``sender_chat``, a
  message without ``from``) gets nothing: no account, no balance, no invoice, no answer.
- ``in_private``: the shop's own handlers answer in the private chat only. In a group or supergroup, starshop's
  commands and buttons get one notice, that the shop works in a private chat, with a ``t.me`` link to the bot
  (``groups_router``); nothing else is ever posted there.
- Callback data longer than Telegram's 64 bytes is not starshop's; a button with one of starshop's prefixes that no
  handler takes (forged, garbled, from an older version) gets a clear answer (``invalid_buttons_router``), and
  ``fallback_router`` answers any other button on a bot that is only starshop, so no client spinner is left turning.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from starshop.adapters.telegram.i18n import text
from starshop.entrypoints.bot.callbacks import (
    ConfirmCb,
    HistoryCb,
    LangCb,
    MenuCb,
    OrderTopUpCb,
    PayCb,
    PremiumCb,
    RecipientCb,
    StarsCb,
    TopUpCb,
)
from starshop.entrypoints.bot.replies import answer_callback, say

USER_COMMANDS = (
    "start",
    "buy",
    "premium",
    "balance",
    "recharge",
    "history",
    "promo",
    "referrals",
    "lang",
    "help",
    "cancel",
)
SHOP_COMMANDS = (*USER_COMMANDS, "buy_stars_fragment")
BUTTON_PREFIXES = frozenset(
    cb.__prefix__
    for cb in (MenuCb, StarsCb, PremiumCb, RecipientCb, PayCb, ConfirmCb, OrderTopUpCb, TopUpCb, HistoryCb, LangCb)
)
MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit
# Telegram's service accounts: notifications (777000), an anonymous group admin, a channel writing in a group.
SERVICE_ACCOUNTS = frozenset({777000, 1087968824, 136817688})


def from_a_person(event: Message | CallbackQuery) -> bool:
    user = event.from_user
    if user is None or user.is_bot or user.id in SERVICE_ACCOUNTS:
        return False
    return not (isinstance(event, Message) and event.sender_chat is not None)


def in_private(event: Message | CallbackQuery) -> bool:
    chat = event.chat if isinstance(event, Message) else (event.message.chat if event.message else None)
    return chat is not None and chat.type == ChatType.PRIVATE


def fits_telegram(callback: CallbackQuery) -> bool:
    """Data Telegram could have sent for one of our buttons: present, and at most 64 bytes."""
    return bool(callback.data) and len((callback.data or "").encode()) <= MAX_CALLBACK_DATA


def ours(callback: CallbackQuery) -> bool:
    return (callback.data or "").split(":", 1)[0] in BUTTON_PREFIXES


# The same as aiogram filters: coroutines, since aiogram runs a plain function filter in a worker thread.


async def person_filter(event: Message | CallbackQuery) -> bool:
    return from_a_person(event)


async def private_filter(event: Message | CallbackQuery) -> bool:
    return in_private(event)


async def elsewhere_filter(event: Message | CallbackQuery) -> bool:
    return not in_private(event)


async def fits_filter(callback: CallbackQuery) -> bool:
    return fits_telegram(callback)


async def ours_filter(callback: CallbackQuery) -> bool:
    return ours(callback)


async def private_chat_notice(bot: Bot, lang: str) -> str:
    me = await bot.me()  # aiogram keeps the answer of getMe
    return text(lang, "private_only", link=f"https://t.me/{me.username}")


def groups_router() -> Router:
    """Outside the private chat: starshop's commands and buttons get the notice, and nothing else."""
    router = Router(name="starshop.groups")
    router.message.filter(elsewhere_filter)
    router.callback_query.filter(elsewhere_filter)

    @router.message(Command(*SHOP_COMMANDS))
    async def command_in_a_group(message: Message, bot: Bot, lang: str) -> None:
        await say(message, await private_chat_notice(bot, lang))

    @router.callback_query(ours_filter)
    async def button_in_a_group(callback: CallbackQuery, bot: Bot, lang: str) -> None:
        await answer_callback(callback, await private_chat_notice(bot, lang), alert=True)

    return router


def invalid_buttons_router() -> Router:
    """Last among the private handlers: one of starshop's buttons that none of them took."""
    router = Router(name="starshop.invalid_buttons")

    @router.callback_query(ours_filter)
    async def invalid_button(callback: CallbackQuery, lang: str) -> None:
        await answer_callback(callback, text(lang, "btn_invalid"), alert=True)

    return router


def fallback_router(*middlewares: Any) -> Router:
    """For a Dispatcher that is only starshop: every other button is answered (not for an embedding bot, whose
    own buttons are its own)."""
    router = Router(name="starshop.fallback")
    for middleware in middlewares:
        router.callback_query.middleware(middleware)

    @router.callback_query()
    async def unknown_button(callback: CallbackQuery, bot: Bot, lang: str) -> None:
        if in_private(callback):
            await answer_callback(callback, text(lang, "btn_invalid"), alert=True)
        else:
            await answer_callback(callback, await private_chat_notice(bot, lang), alert=True)

    return router
