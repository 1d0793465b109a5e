"""A notifier and a broadcast sender for runs without a bot: what the user would be told goes to the log."""

from __future__ import annotations

import logging

from starshop.application.ports import Sent
from starshop.domain.broadcast import Message, RecipientState
from starshop.domain.events import Event

log = logging.getLogger("starshop.notifications")
NO_BOT = "no bot is configured (STARSHOP_BOT_TOKEN): nothing was sent"


class LoggingNotifier:
    async def notify(self, event: Event) -> None:
        log.info("notify user %s: %s (%s)", event.user_id, event.kind, event.tx_id)


class LoggingMessageSender:
    """Broadcast messages without a bot: each goes to the log and counts as failed, since nobody received it (an
    operator must never read "sent" for a message no user got)."""

    async def send(self, chat_id: int, message: Message) -> Sent:
        log.info("broadcast to user %s not sent (no bot): %s", chat_id, message.plain[:80])
        return Sent(state=RecipientState.FAILED, error=NO_BOT)
