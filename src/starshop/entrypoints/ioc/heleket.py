from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, from_context, provide

from starshop.adapters.heleket import HeleketWebhookVerifier, HttpxHeleketGateway
from starshop.application.ports import PaymentGateway, WebhookVerifier
from starshop.entrypoints.settings import HeleketSettings


class HeleketProvider(Provider):
    scope = Scope.APP
    settings = from_context(provides=HeleketSettings, scope=Scope.APP)

    @provide
    async def gateway(self, settings: HeleketSettings) -> AsyncIterator[PaymentGateway]:
        gateway = HttpxHeleketGateway(
            merchant_uuid=settings.merchant,
            payment_key=settings.payment_key.reveal(),
            callback_url=settings.callback_url,
            base_url=settings.url,
            lifetime=settings.lifetime,
        )
        yield gateway
        await gateway.aclose()

    @provide
    def verifier(self, settings: HeleketSettings) -> WebhookVerifier:
        return HeleketWebhookVerifier(payment_key=settings.payment_key.reveal())
