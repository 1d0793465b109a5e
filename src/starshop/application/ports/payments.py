"""The payment gateway port: create invoices, look them up, verify their notifications."""

from __future__ import annotations

from typing import Protocol

import attrs

from starshop.domain import Invoice, Money, PaymentStatus


@attrs.frozen(kw_only=True)
class InvoiceRequest:
    order_id: str
    amount: Money
    user_id: int
    description: str = ""


@attrs.frozen(kw_only=True)
class PaymentNotification:
    """A gateway's word about one invoice, already authenticated (webhook) or fetched by us (lookup).

    ``amount`` is the invoice amount as the gateway states it; ``paid_amount`` is what was received, in the
    invoice currency, when the gateway says so (``None`` when it cannot be known exactly).
    """

    order_id: str
    invoice_uuid: str
    status: PaymentStatus
    amount: Money
    paid_amount: Money | None = None
    raw_status: str = ""


class PaymentGateway(Protocol):
    async def create_invoice(self, request: InvoiceRequest) -> Invoice:
        """Idempotent on ``order_id``: asking twice returns the same invoice.

        Raises ``PaymentGatewayUnavailable`` when the outcome is unknown, ``PaymentGatewayRefused`` when refused.
        """
        ...

    async def fetch_payment(self, order_id: str) -> PaymentNotification:
        """The invoice's current state, as a notification would state it."""
        ...


class WebhookVerifier(Protocol):
    def verify(self, body: bytes) -> PaymentNotification:
        """Raises ``InvalidSignature`` for a forged or altered body, ``MalformedNotification`` for junk."""
        ...
