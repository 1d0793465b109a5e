"""The composition root: settings decide which adapter serves each port.

Each outside service switches from its embedded stand-in to the real thing as soon as its settings are present:
Postgres with ``STARSHOP_DATABASE_URL`` (else SQLite ``./starshop.db``), Redis with ``STARSHOP_REDIS_URL`` (else
in-process twins), Heleket with merchant and payment key (else the sandbox), Fragment with a seed (else the
sandbox).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from dishka import AsyncContainer, Provider, Scope, decorate, from_context, make_async_container, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.fragment import HttpxFragmentDelivery
from starshop.adapters.heleket import HeleketWebhookVerifier, HttpxHeleketGateway
from starshop.adapters.inprocess import InProcessCache, InProcessEventBus, InProcessRateLimiter, InProcessTaskQueue
from starshop.adapters.logging_notifier import LoggingNotifier
from starshop.adapters.memory import SystemClock, UuidIds
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
from starshop.adapters.resilience import BreakerState, CircuitBreaker
from starshop.adapters.sandbox import SandboxPaymentGateway, SandboxStarDelivery
from starshop.adapters.sqla.engine import DatabaseNotReady, check_database, create_engine
from starshop.adapters.sqla.readers import SqlaLedgerReader, SqlaTransactionReader, outbox_backlog
from starshop.adapters.sqla.uow import SqlaOutboxUnitOfWork, SqlaUnitOfWork
from starshop.application.config import ShopConfig
from starshop.application.ports import (
    Cache,
    Clock,
    EventPublisher,
    EventSubscriber,
    IdGenerator,
    LedgerReader,
    Notifier,
    OutboxUnitOfWork,
    PaymentGateway,
    RateLimiter,
    StarDelivery,
    TaskQueue,
    TransactionReader,
    UnitOfWork,
    WebhookVerifier,
)
from starshop.domain import PurchasePolicy
from starshop.entrypoints.observability import CountingPublisher, Metrics, TimedPaymentGateway, TimedStarDelivery
from starshop.entrypoints.providers import SettingsProvider, UseCasesProvider
from starshop.entrypoints.settings import SQLITE_DEFAULT, TASK_CONCURRENCY, Settings

if TYPE_CHECKING:  # only in annotations that dishka never reads
    from starshop.entrypoints.telegram import BotParts
from starshop.entrypoints.web.auth import SANDBOX_BOT_TOKEN, MiniAppAuth, OperatorAuth
from starshop.entrypoints.web.heleket import WebhookSettings
from starshop.entrypoints.web.observability import MetricsRefresh, Readiness
from starshop.entrypoints.worker import TaskRunner


class RedisHealth:
    def __init__(self, check: Callable[[], Awaitable[tuple[bool, str]]]) -> None:
        self.check = check


class QueueDepth:
    def __init__(self, measure: Callable[[], Awaitable[int]]) -> None:
        self._measure = measure

    async def __call__(self) -> int:
        return await self._measure()


class CoreProvider(Provider):
    scope = Scope.APP
    clock = provide(SystemClock, provides=Clock)
    ids = provide(UuidIds, provides=IdGenerator)

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    @provide
    def the_settings(self) -> Settings:
        return self.settings

    @provide
    def mini_app_auth(self) -> MiniAppAuth:
        return MiniAppAuth(bot_token=self.settings.mini_app_token(), max_age=self.settings.init_data_max_age)

    @provide
    def operator_auth(self) -> OperatorAuth:
        return OperatorAuth(keys=frozenset(key.reveal() for key in self.settings.api_keys))

    @provide
    def webhook_settings(self) -> WebhookSettings:
        return WebhookSettings(
            allowed_sources=self.settings.heleket_allowed_ips, trusted_proxies=self.settings.trusted_proxies
        )


class DatabaseProvider(Provider):
    """SQLAlchemy on Postgres or SQLite; history and statistics may read from a replica."""

    scope = Scope.APP

    def __init__(self, url: str, replica_url: str | None, *, pool_size: int, statement_timeout_ms: int) -> None:
        super().__init__()
        self.url, self.replica_url = url, replica_url
        self.pool_size, self.statement_timeout_ms = pool_size, statement_timeout_ms

    def _engine(self, url: str) -> AsyncEngine:
        return create_engine(
            url, pool_size=self.pool_size, max_overflow=0, statement_timeout_ms=self.statement_timeout_ms
        )

    @provide
    async def engine(self) -> AsyncIterator[AsyncEngine]:
        engine = self._engine(self.url)
        yield engine
        await engine.dispose()

    @provide
    async def reader(self, primary: AsyncEngine) -> AsyncIterator[TransactionReader]:
        if self.replica_url is None:
            yield SqlaTransactionReader(primary)
            return
        engine = self._engine(self.replica_url)
        yield SqlaTransactionReader(engine)
        await engine.dispose()

    @provide
    def ledger(self, primary: AsyncEngine) -> LedgerReader:
        return SqlaLedgerReader(primary)

    @provide(scope=Scope.REQUEST)
    def uow(self, primary: AsyncEngine) -> UnitOfWork:
        return SqlaUnitOfWork(primary)

    @provide(scope=Scope.REQUEST)
    def outbox_uow(self, primary: AsyncEngine) -> OutboxUnitOfWork:
        return SqlaOutboxUnitOfWork(primary)


class RedisProvider(Provider):
    scope = Scope.APP

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        assert settings.redis_url is not None
        self.url, self.prefix, self.limits = settings.redis_url, settings.redis_prefix, dict(settings.rate_limits)
        self.refuse_when_down = settings.redis_down_refuses

    @provide
    async def client(self) -> AsyncIterator[RedisClient]:
        client = redis_from_url(self.url)
        yield client
        await client.aclose()

    @provide
    def cache(self, client: RedisClient) -> Cache:
        return RedisCache(client, prefix=self.prefix)

    @provide
    def limiter(self, client: RedisClient) -> RateLimiter:
        return RedisRateLimiter(client, self.limits, refuse_when_down=self.refuse_when_down, prefix=self.prefix)

    @provide
    def events(self, client: RedisClient) -> EventPublisher:
        return RedisEventPublisher(client, prefix=self.prefix)

    @provide
    def subscriber(self, client: RedisClient) -> EventSubscriber:
        return RedisEventSubscriber(client, prefix=self.prefix)

    @provide
    def queue(self, client: RedisClient) -> RedisTaskQueue:
        # Deliveries are independent and each is claimed in the database, so one worker runs several at once (as
        # several worker processes would); with one at a time the worker, not the database, limited purchases.
        return RedisTaskQueue(client, prefix=self.prefix, concurrency=TASK_CONCURRENCY)

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


class InProcessProvider(Provider):
    scope = Scope.APP

    def __init__(self, limits: dict[str, tuple[int, float]]) -> None:
        super().__init__()
        self.limits = limits

    @provide
    def cache(self) -> Cache:
        return InProcessCache()

    @provide
    def bus(self) -> InProcessEventBus:
        return InProcessEventBus()

    @provide
    def queue(self) -> InProcessTaskQueue:
        return InProcessTaskQueue()

    @provide
    def limiter(self) -> RateLimiter:
        return InProcessRateLimiter(self.limits)

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


class HeleketProvider(Provider):
    scope = Scope.APP

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        assert settings.heleket_merchant is not None and settings.heleket_payment_key is not None
        self.merchant, self.key = settings.heleket_merchant, settings.heleket_payment_key.reveal()
        self.url, self.callback = settings.heleket_url, f"{settings.base_url}/webhooks/heleket"
        self.lifetime = settings.invoice_lifetime

    @provide
    async def gateway(self) -> AsyncIterator[PaymentGateway]:
        gateway = HttpxHeleketGateway(
            merchant_uuid=self.merchant,
            payment_key=self.key,
            callback_url=self.callback,
            base_url=self.url,
            lifetime=self.lifetime,
        )
        yield gateway
        await gateway.aclose()

    @provide
    def verifier(self) -> WebhookVerifier:
        return HeleketWebhookVerifier(payment_key=self.key)


class SandboxPaymentsProvider(Provider):
    """Invoices paid on our own ``/sandbox`` page by a webhook signed with a key made for this process."""

    scope = Scope.APP

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.key, self.base_url = secrets.token_hex(24), settings.base_url

    @provide
    def sandbox(self, clock: Clock, config: ShopConfig) -> SandboxPaymentGateway:
        return SandboxPaymentGateway(
            base_url=self.base_url, payment_key=self.key, clock=clock, lifetime=config.invoice_lifetime
        )

    @provide
    def gateway(self, sandbox: SandboxPaymentGateway) -> PaymentGateway:
        return sandbox

    @provide
    def verifier(self) -> WebhookVerifier:
        return HeleketWebhookVerifier(payment_key=self.key)


class FragmentProvider(Provider):
    scope = Scope.APP

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        assert settings.fragment_seed is not None
        self.seed = settings.fragment_seed.reveal()
        self.cookies = settings.fragment_cookies.reveal() if settings.fragment_cookies else None
        self.url, self.timeout = settings.fragment_url, settings.fragment_timeout

    @provide
    async def delivery(self) -> AsyncIterator[StarDelivery]:
        delivery = HttpxFragmentDelivery(
            seed=self.seed, cookies=self.cookies, base_url=self.url, read_timeout=self.timeout
        )
        yield delivery
        await delivery.aclose()


class LoggingNotifierProvider(Provider):
    """Without a bot, what users would be told goes to the log."""

    scope = Scope.APP
    notifier = provide(LoggingNotifier, provides=Notifier)


class SandboxDeliveryProvider(Provider):
    scope = Scope.APP

    @provide
    def delivery(self) -> StarDelivery:
        return SandboxStarDelivery()


class ObservabilityProvider(Provider):
    """Metrics, timed outbound ports, event counts, and the readiness checks of ``/health/ready``."""

    scope = Scope.APP
    metrics = from_context(provides=Metrics)

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
        self, engine: AsyncEngine, gateway: PaymentGateway, delivery: StarDelivery, redis: RedisHealth
    ) -> Readiness:
        async def database() -> tuple[bool, str]:
            try:
                await check_database(engine)
            except DatabaseNotReady as exc:
                return False, str(exc)
            return True, "reachable, migrations at head"

        checks = {"database": database, "redis": redis.check}
        for name, port in (("heleket", gateway), ("fragment", delivery)):
            breaker = _breaker_of(port)
            if breaker is not None:
                checks[f"{name}_circuit"] = _breaker_check(breaker)
        return Readiness(checks)

    @provide
    def refresh(self, metrics: Metrics, engine: AsyncEngine, depth: QueueDepth) -> MetricsRefresh:
        async def outbox() -> None:
            pending, oldest, quarantined = await outbox_backlog(engine)
            metrics.outbox_depth.set(pending)
            metrics.outbox_lag.set(oldest)
            metrics.outbox_quarantined.set(quarantined)

        async def queue() -> None:
            metrics.queue_depth.set(await depth())

        return MetricsRefresh(outbox, queue)


def _breaker_of(port: object) -> CircuitBreaker | None:
    inner = getattr(port, "inner", port)
    breaker = getattr(inner, "breaker", None)
    return breaker if isinstance(breaker, CircuitBreaker) else None


def _breaker_check(breaker: CircuitBreaker) -> Callable[[], Awaitable[tuple[bool, str]]]:
    async def check() -> tuple[bool, str]:
        state = breaker.state
        return state is not BreakerState.OPEN, state.value

    return check


def providers_for(settings: Settings, bot: BotParts | None = None) -> list[Provider]:
    limits = dict(settings.rate_limits)
    notifier: Provider = LoggingNotifierProvider()
    if bot is not None:
        from starshop.entrypoints.telegram import BotNotifierProvider

        notifier = BotNotifierProvider(bot, settings.admin_ids)
    return [
        notifier,
        SettingsProvider(),
        UseCasesProvider(),
        CoreProvider(settings),
        DatabaseProvider(
            settings.database_url or SQLITE_DEFAULT,
            settings.database_replica_url,
            pool_size=settings.database_pool_size,
            statement_timeout_ms=settings.database_statement_timeout,
        ),
        RedisProvider(settings) if settings.redis_url else InProcessProvider(limits),
        SandboxPaymentsProvider(settings) if settings.sandbox_payments else HeleketProvider(settings),
        SandboxDeliveryProvider() if settings.sandbox_delivery else FragmentProvider(settings),
        ObservabilityProvider(),
    ]


def build_container(
    settings: Settings, *extra: Provider, metrics: Metrics | None = None, bot: BotParts | None = None
) -> AsyncContainer:
    """Everything the runners need; ``extra`` providers (with ``override=True``) replace any adapter.

    Pass the same ``metrics`` to ``create_app`` so HTTP and outbound-call metrics share one registry.
    """
    return make_async_container(
        *providers_for(settings, bot),
        *extra,
        context={PurchasePolicy: settings.policy(), ShopConfig: settings.shop_config(), Metrics: metrics or Metrics()},
    )


__all__ = ["SANDBOX_BOT_TOKEN", "SQLITE_DEFAULT", "build_container", "providers_for"]
