"""Telegram adapters: the ``Notifier`` on an aiogram ``Bot``, the bot's texts, and a fake Bot API for tests."""

from starshop.adapters.telegram.notifier import AiogramNotifier, render
from starshop.adapters.telegram.throttle import SendThrottle

__all__ = ["AiogramNotifier", "SendThrottle", "render"]
