"""Without Redis: the cache, limiter, event bus and task queue live in this process."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from starshop.adapters.inprocess import InProcessCache, InProcessEventBus, InProcessRateLimiter, InProcessTaskQueue
from starshop.adapters.inprocess.pacer import InProcessPacer
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
from starshop.entrypoints.settings import RateLimitSettings


class InProcessProvider(Provider):
    scope = Scope.APP

    @provide
    def bus(self) -> InProcessEventBus:
        return InProcessEventBus()

    @provide
    def queue(self) -> InProcessTaskQueue:
        return InProcessTaskQueue()

    @provide
    def cache(self) -> Cache:
        return InProcessCache()

    @provide
    def limiter(self, limits: RateLimitSettings) -> RateLimiter:
        return InProcessRateLimiter(dict(limits.limits))

    @provide
    def pacer(self, limits: RateLimitSettings) -> Pacer:
        return InProcessPacer(limits.broadcast_per_second)

    @provide
    def events(self, bus: InProcessEventBus) -> EventPublisher:
        return bus

    @provide
    def subscriber(self, bus: InProcessEventBus) -> EventSubscriber:
        return bus

    @provide
    def queue_port(self, queue: InProcessTaskQueue) -> TaskQueue:
        return queue

    @provide
    def runner(self, queue: InProcessTaskQueue) -> TaskRunner:
        return queue

    @provide
    def health(self) -> RedisHealth:
        async def check() -> tuple[bool, str]:
            return True, "not used: in-process twins"

        return RedisHealth(check)

    @provide
    def depth(self, queue: InProcessTaskQueue) -> QueueDepth:
        async def measure() -> int:
            return queue.pending()

        return QueueDepth(measure)
