from __future__ import annotations

from dishka import Provider, Scope, provide

from starshop.adapters.logging_notifier import LoggingMessageSender, LoggingNotifier
from starshop.application.ports import MessageSender, Notifier


class LoggingNotifierProvider(Provider):
    """Without a bot, what users would be told (and broadcasts) goes to the log."""

    scope = Scope.APP
    notifier = provide(LoggingNotifier, provides=Notifier)
    sender = provide(LoggingMessageSender, provides=MessageSender)
