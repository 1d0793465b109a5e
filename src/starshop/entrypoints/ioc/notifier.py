from __future__ import annotations

from dishka import Provider, Scope, provide

from starshop.adapters.logging_notifier import LoggingNotifier
from starshop.application.ports import Notifier


class LoggingNotifierProvider(Provider):
    """Without a bot, what users would be told goes to the log."""

    scope = Scope.APP
    notifier = provide(LoggingNotifier, provides=Notifier)
