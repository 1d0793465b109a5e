"""dishka providers. One list serves every runner; later adapters replace in-memory ones with ``override=True``.

- ``SettingsProvider``: the business settings, given as context when the container is made.
- ``InMemoryProvider``: every port on the in-memory adapters (the embedded test kit, and the base for overrides).
- ``UseCasesProvider``: every use case, one per request scope; it never changes between adapters.
"""

from __future__ import annotations

from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide, provide_all

from starshop.adapters.heleket import HeleketWebhookVerifier
from starshop.adapters.memory import (
    InMemoryCache,
    InMemoryEventPublisher,
    InMemoryLedgerReader,
    InMemoryOutboxUnitOfWork,
    InMemoryStore,
    InMemoryTaskQueue,
    InMemoryTransactionReader,
    InMemoryUnitOfWork,
    RecordingNotifier,
    ScriptedPaymentGateway,
    ScriptedStarDelivery,
    SystemClock,
    UnlimitedRateLimiter,
    UuidIds,
)
from starshop.application.config import ShopConfig
from starshop.application.ports import (
    Cache,
    Clock,
    EventPublisher,
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
from starshop.application.use_cases.adjust_balance import AdjustBalance
from starshop.application.use_cases.audit_ledger import AuditLedger
from starshop.application.use_cases.audit_provider import AuditProvider
from starshop.application.use_cases.buy_stars import BuyStars
from starshop.application.use_cases.confirm_payment import ConfirmPayment
from starshop.application.use_cases.create_recharge import CreateRecharge
from starshop.application.use_cases.deliver_purchase import DeliverPurchase
from starshop.application.use_cases.expire_stale_invoices import ExpireStaleInvoices
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_history import GetHistory
from starshop.application.use_cases.get_shop_stats import GetShopStats
from starshop.application.use_cases.get_transaction import GetTransaction
from starshop.application.use_cases.get_user import GetUser
from starshop.application.use_cases.grant_bonus import GrantBonus
from starshop.application.use_cases.list_quarantined_events import ListQuarantinedEvents
from starshop.application.use_cases.quote_stars import QuoteStars
from starshop.application.use_cases.reconcile_purchases import ReconcilePurchases
from starshop.application.use_cases.record_delivery import RecordDelivery
from starshop.application.use_cases.register_user import RegisterUser
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.application.use_cases.resolve_purchase import ResolvePurchase
from starshop.application.use_cases.search_transactions import SearchTransactions
from starshop.domain import Currency, PurchasePolicy
from starshop.entrypoints.observability import Metrics
from starshop.entrypoints.web.heleket import WebhookSettings
from starshop.entrypoints.web.observability import MetricsRefresh, Readiness


class SettingsProvider(Provider):
    scope = Scope.APP
    policy = from_context(provides=PurchasePolicy)
    config = from_context(provides=ShopConfig)

    @provide
    def currency(self, config: ShopConfig) -> Currency:
        return config.currency


class InMemoryProvider(Provider):
    scope = Scope.APP
    store = provide(InMemoryStore)
    clock = provide(SystemClock, provides=Clock)
    ids = provide(UuidIds, provides=IdGenerator)
    cache = provide(InMemoryCache, provides=Cache)
    limiter = provide(UnlimitedRateLimiter, provides=RateLimiter)
    notifier = provide(RecordingNotifier, provides=Notifier)
    publisher = provide(InMemoryEventPublisher, provides=EventPublisher)
    queue = provide(InMemoryTaskQueue, provides=TaskQueue)
    delivery = provide(ScriptedStarDelivery, provides=StarDelivery)
    reader = provide(InMemoryTransactionReader, provides=TransactionReader)
    ledger = provide(InMemoryLedgerReader, provides=LedgerReader)

    @provide
    def gateway(self, clock: Clock, config: ShopConfig) -> PaymentGateway:
        return ScriptedPaymentGateway(clock, lifetime=config.invoice_lifetime)

    @provide
    def metrics(self) -> Metrics:
        return Metrics()

    @provide
    def readiness(self) -> Readiness:
        return Readiness()

    @provide
    def refresh(self) -> MetricsRefresh:
        return MetricsRefresh()

    @provide(scope=Scope.REQUEST)
    def uow(self, store: InMemoryStore) -> UnitOfWork:
        return InMemoryUnitOfWork(store)

    @provide(scope=Scope.REQUEST)
    def outbox_uow(self, store: InMemoryStore) -> OutboxUnitOfWork:
        return InMemoryOutboxUnitOfWork(store)


class HeleketWebhookProvider(Provider):
    """How Heleket webhooks are authenticated: the payment key, and the web-side limits and address checks."""

    def __init__(self, payment_key: str, settings: WebhookSettings | None = None, **kwargs: object) -> None:
        super().__init__(scope=Scope.APP, **kwargs)  # type: ignore[arg-type]
        self._key = payment_key
        self._settings = settings or WebhookSettings()

    @provide
    def verifier(self) -> WebhookVerifier:
        return HeleketWebhookVerifier(payment_key=self._key)

    @provide
    def webhook_settings(self) -> WebhookSettings:
        return self._settings


class UseCasesProvider(Provider):
    scope = Scope.REQUEST
    use_cases = provide_all(
        RegisterUser,
        GetBalance,
        GetHistory,
        GetShopStats,
        GetTransaction,
        GetUser,
        SearchTransactions,
        QuoteStars,
        CreateRecharge,
        ConfirmPayment,
        BuyStars,
        RecordDelivery,
        DeliverPurchase,
        ReconcilePurchases,
        ResolvePurchase,
        ExpireStaleInvoices,
        GrantBonus,
        AdjustBalance,
        AuditLedger,
        AuditProvider,
        ListQuarantinedEvents,
    )

    @provide
    def relay_outbox(
        self, uow: OutboxUnitOfWork, notifier: Notifier, publisher: EventPublisher, queue: TaskQueue, clock: Clock
    ) -> RelayOutbox:
        return RelayOutbox(uow, notifier, publisher, queue, clock)


def make_in_memory_container(policy: PurchasePolicy, config: ShopConfig, *overrides: Provider) -> AsyncContainer:
    """A container on the in-memory adapters; pass providers with ``override=True`` to swap any of them."""
    return make_async_container(
        SettingsProvider(),
        InMemoryProvider(),
        UseCasesProvider(),
        *overrides,
        context={PurchasePolicy: policy, ShopConfig: config},
    )
