"""A notifier for runs without a bot: it writes what the user would be told to the log."""

from __future__ import annotations

import logging

from starshop.domain.events import Event

log = logging.getLogger("starshop.notifications")


class LoggingNotifier:
    async def notify(self, event: Event) -> None:
        log.info("notify user %s: %s (%s)", event.user_id, event.kind, event.tx_id)
