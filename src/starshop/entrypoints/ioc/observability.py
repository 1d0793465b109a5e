from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from dishka import Provider, Scope, decorate, provide

from starshop.adapters.resilience import BreakerState, BreakerWatch, CircuitBreaker
from starshop.application.config import ShopConfig
from starshop.application.ports import CircuitWatch, EventPublisher, PaymentGateway, StarDelivery
from starshop.entrypoints.ioc.probes import DatabaseHealth, OutboxBacklog, QueueDepth, RedisHealth
from starshop.entrypoints.observability import (
    CountingPublisher,
    Metrics,
    MetricsRefresh,
    Readiness,
    TimedPaymentGateway,
    TimedStarDelivery,
)

WALLET_EVERY = 60.0  # seconds between the wallet readings a scrape asks for


class ObservabilityProvider(Provider):
    """Metrics, timed outbound ports, event counts, and the readiness checks of ``/health/ready``.

    It comes last in the list: a decorator wraps only what the providers before it give (overrides included)."""

    scope = Scope.APP

    @decorate
    def timed_gateway(self, inner: PaymentGateway, metrics: Metrics) -> PaymentGateway:
        return TimedPaymentGateway(inner, metrics)

    @decorate
    def timed_delivery(self, inner: StarDelivery, metrics: Metrics) -> StarDelivery:
        return TimedStarDelivery(inner, metrics)

    @decorate
    def counted_events(self, inner: EventPublisher, metrics: Metrics) -> EventPublisher:
        return CountingPublisher(inner, metrics)

    @provide
    def readiness(
        self, database: DatabaseHealth, gateway: PaymentGateway, delivery: StarDelivery, redis: RedisHealth
    ) -> Readiness:
        checks = {"database": database.check, "redis": redis.check}
        for name, port in (("heleket", gateway), ("fragment", delivery)):
            breaker = _breaker_of(port)
            if breaker is not None:
                checks[f"{name}_circuit"] = _breaker_check(breaker)
        return Readiness(checks)

    @provide
    def refresh(
        self,
        metrics: Metrics,
        backlog: OutboxBacklog,
        depth: QueueDepth,
        gateway: PaymentGateway,
        delivery: StarDelivery,
        config: ShopConfig,
    ) -> MetricsRefresh:
        breakers = {name: _breaker_of(port) for name, port in (("heleket", gateway), ("fragment", delivery))}
        if config.wallet_floor is not None:
            metrics.wallet_floor.set(float(config.wallet_floor))
        wallet_read = -WALLET_EVERY

        async def circuits() -> None:
            for name, breaker in breakers.items():
                if breaker is not None:
                    for state in BreakerState:
                        metrics.breaker_state.labels(name, state.value).set(int(breaker.state is state))

        async def wallet() -> None:
            nonlocal wallet_read
            if time.monotonic() - wallet_read >= WALLET_EVERY:  # one provider call a minute, however often scraped
                wallet_read = time.monotonic()
                await delivery.wallet_balance()  # the timed delivery keeps the gauge

        async def outbox() -> None:
            pending, oldest, quarantined = await backlog.measure()
            metrics.outbox_depth.set(pending)
            metrics.outbox_lag.set(oldest)
            metrics.outbox_quarantined.set(quarantined)

        async def queue() -> None:
            metrics.queue_depth.set(await depth.measure())

        return MetricsRefresh(outbox, queue, circuits, wallet)


def circuit_watch(gateway: PaymentGateway, delivery: StarDelivery) -> CircuitWatch:
    """The breakers of the gateway and the delivery this process calls (none for the sandbox and the fakes)."""
    found = {name: _breaker_of(port) for name, port in (("heleket", gateway), ("fragment", delivery))}
    return BreakerWatch({name: breaker for name, breaker in found.items() if breaker is not None})


def _breaker_of(port: object) -> CircuitBreaker | None:
    inner = getattr(port, "inner", port)
    breaker = getattr(inner, "breaker", None)
    return breaker if isinstance(breaker, CircuitBreaker) else None


def _breaker_check(breaker: CircuitBreaker) -> Callable[[], Awaitable[tuple[bool, str]]]:
    async def check() -> tuple[bool, str]:
        state = breaker.state
        return state is not BreakerState.OPEN, state.value

    return check
