"""Simulated payments and deliveries: nothing real is charged or bought."""

from __future__ import annotations

import secrets

from dishka import Provider, Scope, from_context, provide

from starshop.adapters.heleket import HeleketWebhookVerifier
from starshop.adapters.sandbox import SandboxPaymentGateway, SandboxStarDelivery
from starshop.application.config import ShopConfig
from starshop.application.ports import Clock, PaymentGateway, StarDelivery, WebhookVerifier
from starshop.entrypoints.settings import SandboxPaymentSettings


class SandboxPaymentsProvider(Provider):
    """Invoices paid on our own ``/sandbox`` page by a webhook signed with a key made for this process."""

    scope = Scope.APP
    settings = from_context(provides=SandboxPaymentSettings, scope=Scope.APP)

    def __init__(self) -> None:
        super().__init__()
        self.key = secrets.token_hex(24)

    @provide
    def sandbox(self, clock: Clock, config: ShopConfig, settings: SandboxPaymentSettings) -> SandboxPaymentGateway:
        return SandboxPaymentGateway(
            base_url=settings.base_url, payment_key=self.key, clock=clock, lifetime=config.invoice_lifetime
        )

    @provide
    def gateway(self, sandbox: SandboxPaymentGateway) -> PaymentGateway:
        return sandbox

    @provide
    def verifier(self) -> WebhookVerifier:
        return HeleketWebhookVerifier(payment_key=self.key)


class SandboxDeliveryProvider(Provider):
    scope = Scope.APP

    @provide
    def delivery(self) -> StarDelivery:
        return SandboxStarDelivery()
