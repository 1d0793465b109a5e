"""Telegram adapters: the ``Notifier`` on an aiogram ``Bot`` and the bot's texts (the fake Bot API is
``starshop.testing.fakes.FakeBotApi``)."""

from starshop.adapters.telegram.notifier import AiogramNotifier, render
from starshop.adapters.telegram.throttle import SendThrottle

__all__ = ["AiogramNotifier", "SendThrottle", "render"]
