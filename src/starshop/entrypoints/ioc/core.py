from __future__ import annotations

from dishka import Provider, Scope, from_context, provide

from starshop.adapters.system import SystemClock, UuidIds
from starshop.application.config import ShopConfig
from starshop.application.ports import CircuitWatch, Clock, IdGenerator, PaymentGateway, StarDelivery
from starshop.domain import Currency, Defaults, PremiumPrices, PurchasePolicy
from starshop.entrypoints.ioc.observability import circuit_watch
from starshop.entrypoints.observability import Metrics
from starshop.entrypoints.settings import RateLimitSettings, WebhookSettings


class CoreProvider(Provider):
    """Time, ids, and the sections several technologies read (each section is declared here or in its provider,
    never twice)."""

    scope = Scope.APP
    policy = from_context(provides=PurchasePolicy, scope=Scope.APP)
    premium = from_context(provides=PremiumPrices, scope=Scope.APP)
    config = from_context(provides=ShopConfig, scope=Scope.APP)
    metrics = from_context(provides=Metrics, scope=Scope.APP)
    webhook = from_context(provides=WebhookSettings, scope=Scope.APP)
    rate_limits = from_context(provides=RateLimitSettings, scope=Scope.APP)
    clock = provide(SystemClock, provides=Clock)
    ids = provide(UuidIds, provides=IdGenerator)

    @provide
    def circuits(self, gateway: PaymentGateway, delivery: StarDelivery) -> CircuitWatch:
        return circuit_watch(gateway, delivery)

    @provide
    def currency(self, config: ShopConfig) -> Currency:
        return config.currency

    @provide
    def setting_defaults(self, policy: PurchasePolicy, premium: PremiumPrices, config: ShopConfig) -> Defaults:
        """The configured values (``STARSHOP_*``) that a shop setting not set at run time takes."""
        return Defaults(policy=policy, wallet_floor=config.wallet_floor, premium=premium)
