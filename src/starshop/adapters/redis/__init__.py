"""Redis adapters: cache, rate limiter, real-time events and a reliable task queue; cluster-ready."""

from starshop.adapters.redis.cache import RedisCache
from starshop.adapters.redis.client import REDIS_ERRORS, RedisClient, redis_from_url
from starshop.adapters.redis.events import RedisEventPublisher, RedisEventSubscriber
from starshop.adapters.redis.rate_limiter import MONEY_MOVING, RedisRateLimiter
from starshop.adapters.redis.task_queue import RedisTaskQueue

__all__ = [
    "MONEY_MOVING",
    "REDIS_ERRORS",
    "RedisCache",
    "RedisClient",
    "RedisEventPublisher",
    "RedisEventSubscriber",
    "RedisRateLimiter",
    "RedisTaskQueue",
    "redis_from_url",
]
