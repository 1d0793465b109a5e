"""Saying things back, and the one mapping from domain/application errors (by ``code``) to replies."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from starshop.adapters.telegram.i18n import has, text
from starshop.application.config import ShopConfig
from starshop.domain import MIN_STARS, DomainError, InsufficientFunds, Money
from starshop.entrypoints.bot import keyboards

Event = Message | CallbackQuery


async def say(event: Event, message: str, markup: InlineKeyboardMarkup | None = None, *, edit: bool = False) -> None:
    """Reply to a message, or to a button: ``edit`` replaces the message the button sits on."""
    if isinstance(event, Message):
        await event.answer(message, reply_markup=markup)
        return
    with contextlib.suppress(TelegramBadRequest):  # answered already, or too old: only the spinner is affected
        await event.answer()
    target = event.message
    if not isinstance(target, Message):
        await event.bot.send_message(event.from_user.id, message, reply_markup=markup)  # type: ignore[union-attr]
    elif edit:
        try:
            await target.edit_text(message, reply_markup=markup)
        except TelegramBadRequest as e:
            if "not modified" in e.message:  # the same button pressed twice: nothing to change
                return
            await target.answer(message, reply_markup=markup)  # too old to edit: say it anew
    else:
        await target.answer(message, reply_markup=markup)


def top_up_for(missing: Money, config: ShopConfig) -> Money:
    """What to offer when money is missing: at least the smallest top-up the shop accepts."""
    return missing if missing >= config.min_recharge else config.min_recharge


def error_reply(lang: str, error: DomainError, config: ShopConfig | None) -> tuple[str, InlineKeyboardMarkup | None]:
    if isinstance(error, InsufficientFunds) and isinstance(error.missing, Money):
        offer = top_up_for(error.missing, config) if config else error.missing
        return text(lang, "err_insufficient", missing=error.missing), keyboards.top_up_missing(lang, offer)
    key = f"e_{error.code}"
    return text(lang, key if has(key) else "e_generic", min=MIN_STARS), None
