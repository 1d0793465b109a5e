"""``AiogramMessageSender``: one broadcast message through an aiogram ``Bot``, its outcome as Telegram gave it.

- 403 "bot was blocked by the user" or "user is deactivated": ``blocked`` (the user is marked and skipped later);
- 429: ``retry_after`` (nothing was sent; the caller holds every sender off and tries again);
- a network error or a timeout: ``unknown`` (the message may have arrived; it is not sent again);
- anything else Telegram refuses: ``failed`` with its description.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from starshop.application.ports import Sent
from starshop.domain.broadcast import Message, RecipientState

BLOCKED = ("blocked by the user", "user is deactivated")


class AiogramMessageSender:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, message: Message) -> Sent:
        markup = None
        if message.button is not None:
            button = InlineKeyboardButton(text=message.button.text, url=message.button.url)
            markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
        try:
            await self._bot.send_message(
                chat_id,
                message.html,
                parse_mode="HTML",
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramRetryAfter as e:
            return Sent(state=RecipientState.FAILED, error=e.message, retry_after=float(e.retry_after))
        except TelegramForbiddenError as e:
            blocked = any(reason in e.message.lower() for reason in BLOCKED)
            return Sent(state=RecipientState.BLOCKED if blocked else RecipientState.FAILED, error=e.message)
        except (TelegramNetworkError, TimeoutError) as e:
            return Sent(state=RecipientState.UNKNOWN, error=f"{type(e).__name__}: {e}")
        except TelegramAPIError as e:
            return Sent(state=RecipientState.FAILED, error=e.message)
        return Sent(state=RecipientState.SENT)
