"""In-process twins of the Redis adapters: one process, no network, same contracts."""

from starshop.adapters.inprocess.cache import InProcessCache
from starshop.adapters.inprocess.event_bus import InProcessEventBus
from starshop.adapters.inprocess.rate_limiter import InProcessRateLimiter, RateLimits
from starshop.adapters.inprocess.task_queue import Handlers, InProcessTaskQueue

__all__ = [
    "Handlers",
    "InProcessCache",
    "InProcessEventBus",
    "InProcessRateLimiter",
    "InProcessTaskQueue",
    "RateLimits",
]
