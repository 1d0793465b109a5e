"""``AiogramNotifier``: the ``Notifier`` port on an aiogram ``Bot``.

- Each event kind is rendered in the user's language (looked up through the callable it is given).
- Operator attention and alerts go to every admin id instead of the user.
- Sending respects Telegram's limits, waits out ``retry_after`` on 429 and tries again.
- A closed invoice edits the bot's message that carried its Pay button (the button goes); a message too old to
  edit, or gone, gets the news as a new message.
- An event key is sent once per process (the outbox relay delivers at least once); a blocked bot or a deleted
  chat is logged and dropped, never raised, so the outbox does not retry it forever. Other failures raise, so the
  relay retries later.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter

from starshop.adapters.telegram.i18n import has, pick_language, text
from starshop.adapters.telegram.throttle import SendThrottle
from starshop.domain.events import (
    NOTIFY_OPERATORS,
    AlertRaised,
    BonusGranted,
    Event,
    InvoiceClosed,
    OperatorAttention,
    OrderDropped,
    OrderPlaced,
    PaymentReceived,
    PurchaseCancelled,
    PurchaseDelayed,
    PurchaseDelivered,
    PurchaseRefused,
    PurchaseWaiting,
)

log = logging.getLogger(__name__)

LanguageOf = Callable[[int], Awaitable[str | None]]


def render(event: Event, lang: str) -> str | None:
    """The message for an event in a language, or ``None`` for kinds nobody is told about."""
    match event:
        case PaymentReceived() | BonusGranted():
            return text(lang, f"n_{event.kind}", amount=event.amount, balance=event.balance)
        case PurchaseDelivered():
            # a Premium gift has its own text, naming the months instead of stars
            key = "n_purchase_delivered" if event.months is None else "n_purchase_delivered_premium"
            lines = [
                text(lang, key, stars=event.stars, months=event.months, recipient=event.recipient, price=event.price)
            ]
            if event.ref:
                lines.append(text(lang, "n_reference", ref=event.ref))
            if event.tx_hash:
                lines.append(text(lang, "n_tx_hash", tx_hash=event.tx_hash))
            return "\n".join(lines)
        case OrderPlaced():
            return text(lang, f"n_{event.kind}", stars=event.stars, recipient=event.recipient, price=event.price)
        case InvoiceClosed():
            return text(lang, f"n_invoice_closed_{event.status}", amount=event.amount)
        case OrderDropped():
            key = f"n_order_dropped_{event.reason}"
            key = key if has(key) else "n_order_dropped_refused"
            return text(lang, key, stars=event.stars, recipient=event.recipient, price=event.price)
        case PurchaseRefused() | PurchaseDelayed() | PurchaseWaiting() | PurchaseCancelled():
            key = f"n_{event.kind}" if event.months is None else f"n_{event.kind}_premium"
            price = getattr(event, "price", None)
            return text(lang, key, stars=event.stars, months=event.months, recipient=event.recipient, price=price)
        case OperatorAttention():
            return text(lang, "n_operator_attention", tx_id=event.tx_id, user_id=event.user_id, reason=event.reason)
        case AlertRaised():
            return text(lang, "n_alert_raised", alert=event.alert, text=event.text)
    return None


class AiogramNotifier:
    def __init__(
        self,
        bot: Bot,
        language_of: LanguageOf,
        *,
        admin_ids: Iterable[int] = (),
        throttle: SendThrottle | None = None,
        max_attempts: int = 5,
        remember: int = 100_000,
    ) -> None:
        self._bot = bot
        self._language_of = language_of
        self._admins = tuple(admin_ids)
        self._throttle = throttle or SendThrottle()
        self._max_attempts = max_attempts
        self._remember = remember
        self._seen: OrderedDict[str, None] = OrderedDict()

    async def notify(self, event: Event) -> None:
        chats = self._admins if event.kind in NOTIFY_OPERATORS else (event.user_id,)
        for chat_id in chats:
            key = f"{event.key}>{chat_id}"
            if key in self._seen:
                continue
            self._seen[key] = None  # claimed now, so a concurrent duplicate is skipped too
            try:
                message = render(event, pick_language(await self._language_of(chat_id)))
                if message is not None:
                    await self._send(chat_id, message, event)
            except BaseException:
                self._seen.pop(key, None)  # not sent: the relay will offer it again
                raise
        while len(self._seen) > self._remember:
            self._seen.popitem(last=False)

    async def _send(self, chat_id: int, message: str, event: Event) -> None:
        if isinstance(event, InvoiceClosed) and chat_id == event.user_id:
            try:
                await self._throttle.wait(chat_id)
                await self._bot.edit_message_text(message, chat_id=chat_id, message_id=event.message_id)
            except TelegramBadRequest as e:
                log.info("could not edit the invoice message of %s (%s): telling anew", event.key, e.message)
            else:
                return
        for attempt in range(1, self._max_attempts + 1):
            await self._throttle.wait(chat_id)
            try:
                await self._bot.send_message(chat_id, message)
            except TelegramRetryAfter as e:
                if attempt == self._max_attempts:
                    raise
                log.warning(
                    "telegram asks to wait %ss before telling chat %s about %s", e.retry_after, chat_id, event.key
                )
                await asyncio.sleep(e.retry_after)
            except (TelegramForbiddenError, TelegramBadRequest) as e:
                # Blocked bot, deleted or unknown chat: nobody to tell, and retrying cannot help.
                log.info("dropping %s for chat %s: %s", event.key, chat_id, e.message)
                return
            else:
                return
