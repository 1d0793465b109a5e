"""Saying things back, and the one mapping from domain/application errors (by ``code``) to replies.

Nothing said back exceeds Telegram's 4096 characters, and user input quoted in a reply is cut (``quoted``).
A button's ``answerCallbackQuery`` only stops the client's spinner: its failure (too old, 429, 5xx, network) is
logged and the reply goes on.
"""

from __future__ import annotations

import contextlib
import logging

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from starshop.adapters.telegram.i18n import has, text
from starshop.application.config import ShopConfig
from starshop.domain import DomainError, InsufficientFunds, Money, SalesSuspended
from starshop.entrypoints.bot import keyboards

Event = Message | CallbackQuery
MAX_MESSAGE = 4096  # Telegram's limit on a message's text, in UTF-16 code units
MAX_QUOTE = 32  # characters of user input quoted back in a reply
log = logging.getLogger(__name__)


def cut(value: str, limit: int) -> str:
    """``value`` if it has at most ``limit`` characters as Telegram counts them (UTF-16 code units: a character
    outside the BMP, like most emoji, counts twice), else as much of its start as fits with a final ``…``."""
    if len(value.encode("utf-16-le")) // 2 <= limit:
        return value
    units = 0
    for end, char in enumerate(value):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit - 1:
            return f"{value[:end]}…"
    return value  # not reached: the text was longer than the limit


def quoted(value: object) -> str:
    """User input as it may appear in a reply: at most ``MAX_QUOTE`` characters."""
    return cut(str(value), MAX_QUOTE)


async def answer_callback(callback: CallbackQuery, message: str | None = None, *, alert: bool = False) -> None:
    """Stop the button's spinner (with a short notice, if given). It may fail (answered already, too old, 429, 5xx):
    that is logged and the caller's reply goes on."""
    try:
        await callback.answer(message, show_alert=alert or None)
    except TelegramAPIError as e:
        if not isinstance(e, TelegramBadRequest):
            log.warning("answerCallbackQuery failed for user %s: %s", callback.from_user.id, e)


async def remove_keyboard(callback: CallbackQuery) -> None:
    """Take the buttons off the message a stale button sits on (it may be gone or too old: then nothing)."""
    if isinstance(callback.message, Message):
        with contextlib.suppress(TelegramAPIError):
            await callback.message.edit_reply_markup(reply_markup=None)


async def say(
    event: Event, message: str, markup: InlineKeyboardMarkup | None = None, *, edit: bool = False
) -> int | None:
    """Reply to a message, or to a button: ``edit`` replaces the message the button sits on. The id of the message
    that shows the reply."""
    message = cut(message, MAX_MESSAGE)
    if isinstance(event, Message):
        return (await event.answer(message, reply_markup=markup)).message_id
    await answer_callback(event)
    target = event.message
    if not isinstance(target, Message):
        sent = await event.bot.send_message(event.from_user.id, message, reply_markup=markup)  # type: ignore[union-attr]
        return sent.message_id
    if edit:
        try:
            await target.edit_text(message, reply_markup=markup)
        except TelegramBadRequest as e:
            if "not modified" in e.message:  # the same button pressed twice: nothing to change
                return target.message_id
            return (await target.answer(message, reply_markup=markup)).message_id  # too old to edit: say it anew
        return target.message_id
    return (await target.answer(message, reply_markup=markup)).message_id


def top_up_for(missing: Money, config: ShopConfig) -> Money:
    """What to offer when money is missing: at least the smallest top-up the shop accepts."""
    return missing if missing >= config.min_recharge else config.min_recharge


def error_reply(lang: str, error: DomainError, config: ShopConfig | None) -> tuple[str, InlineKeyboardMarkup | None]:
    if isinstance(error, InsufficientFunds) and isinstance(error.missing, Money):
        offer = top_up_for(error.missing, config) if config else error.missing
        return text(lang, "err_insufficient", missing=error.missing), keyboards.top_up_missing(lang, offer)
    if isinstance(error, SalesSuspended):
        return text(lang, "e_maintenance", message=str(error)), None
    key = f"e_{error.code}"
    return text(lang, key if has(key) else "e_generic"), None
