from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, from_context, provide

from starshop.adapters.redis import (
    REDIS_ERRORS,
    RedisCache,
    RedisClient,
    RedisEventPublisher,
    RedisEventSubscriber,
    RedisRateLimiter,
    RedisTaskQueue,
    redis_from_url,
)
from starshop.adapters.redis.pacer import RedisPacer
from starshop.application.ports import (
    Cache,
    EventPublisher,
    EventSubscriber,
    Pacer,
    RateLimiter,
    TaskQueue,
    TaskRunner,
)
from starshop.entrypoints.ioc.probes import QueueDepth, RedisHealth
from starshop.entrypoints.settings import TASK_CONCURRENCY, RateLimitSettings, RedisSettings


class RedisProvider(Provider):
    scope = Scope.APP
    settings = from_context(provides=RedisSettings, scope=Scope.APP)

    @provide
    async def client(self, settings: RedisSettings) -> AsyncIterator[RedisClient]:
        client = redis_from_url(settings.url)
        yield client
        await client.aclose()

    @provide
    def cache(self, client: RedisClient, settings: RedisSettings) -> Cache:
        return RedisCache(client, prefix=settings.prefix)

    @provide
    def limiter(self, client: RedisClient, settings: RedisSettings, limits: RateLimitSettings) -> RateLimiter:
        return RedisRateLimiter(
            client, dict(limits.limits), refuse_when_down=limits.refuse_when_down, prefix=settings.prefix
        )

    @provide
    def pacer(self, client: RedisClient, settings: RedisSettings, limits: RateLimitSettings) -> Pacer:
        return RedisPacer(client, limits.broadcast_per_second, prefix=settings.prefix)

    @provide
    def events(self, client: RedisClient, settings: RedisSettings) -> EventPublisher:
        return RedisEventPublisher(client, prefix=settings.prefix)

    @provide
    def subscriber(self, client: RedisClient, settings: RedisSettings) -> EventSubscriber:
        return RedisEventSubscriber(client, prefix=settings.prefix)

    @provide
    def queue(self, client: RedisClient, settings: RedisSettings) -> RedisTaskQueue:
        # Deliveries are independent and each is claimed in the database, so one worker runs several at once (as
        # several worker processes would); with one at a time the worker, not the database, limited purchases.
        return RedisTaskQueue(client, prefix=settings.prefix, concurrency=TASK_CONCURRENCY)

    @provide
    def queue_port(self, queue: RedisTaskQueue) -> TaskQueue:
        return queue

    @provide
    def runner(self, queue: RedisTaskQueue) -> TaskRunner:
        return queue

    @provide
    def health(self, client: RedisClient) -> RedisHealth:
        async def check() -> tuple[bool, str]:
            try:
                await client.ping()
            except REDIS_ERRORS as exc:
                return False, f"unreachable: {type(exc).__name__}"
            return True, "answering"

        return RedisHealth(check)

    @provide
    def depth(self, client: RedisClient, queue: RedisTaskQueue) -> QueueDepth:
        async def measure() -> int:
            return int(await client.llen(queue.keys[0]))  # type: ignore[misc]

        return QueueDepth(measure)
