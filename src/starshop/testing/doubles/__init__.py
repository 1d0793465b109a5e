"""Scripted in-process doubles of the ports that reach outside or keep time: a test drives them by hand.

The other local stand-ins are production adapters (``starshop.adapters.inprocess``: the in-memory store, cache,
rate limiter, event bus and task queue) and serve tests as they are.
"""

from starshop.testing.doubles.clock import FixedClock, SequentialIds
from starshop.testing.doubles.delivery import ScriptedStarDelivery
from starshop.testing.doubles.gateway import ScriptedPaymentGateway
from starshop.testing.doubles.notifier import RecordingNotifier
from starshop.testing.doubles.sender import ScriptedMessageSender, WorkerDied

__all__ = [
    "FixedClock",
    "RecordingNotifier",
    "ScriptedMessageSender",
    "ScriptedPaymentGateway",
    "ScriptedStarDelivery",
    "SequentialIds",
    "WorkerDied",
]
