"""A payment gateway that lives in this process and pays by sending a properly signed Heleket webhook.

Its invoices are served by the app's ``/sandbox/invoices/{uuid}`` page; paying there builds the webhook exactly
as Heleket would (field order, nulls, PHP-style signature with the sandbox key) so the real
``/webhooks/heleket`` endpoint and verifier handle it. Invoices are kept in memory: after a restart they are
gone, and reconciliation expires them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

import attrs

from starshop.adapters.heleket.invoice import HeleketInvoice
from starshop.adapters.heleket.signing import signed_webhook_body
from starshop.adapters.heleket.verifier import notification_from_payload
from starshop.application.errors import PaymentGatewayRefused
from starshop.application.ports import Clock, InvoiceRequest, PaymentNotification
from starshop.domain import Invoice

# page action -> Heleket status it sends
SANDBOX_ACTIONS = {"pay": "paid", "overpay": "paid_over", "underpay": "wrong_amount", "cancel": "cancel"}


@attrs.define(kw_only=True)
class SandboxPaymentGateway:
    base_url: str
    payment_key: str = attrs.field(repr=False)
    clock: Clock
    lifetime: timedelta = timedelta(hours=1)
    invoices: dict[str, HeleketInvoice] = attrs.field(factory=dict)

    async def create_invoice(self, request: InvoiceRequest) -> Invoice:
        invoice = self.invoices.get(request.order_id)
        if invoice is None:
            invoice_uuid = str(uuid.uuid4())
            expires = self.clock.now() + self.lifetime
            invoice = HeleketInvoice(
                uuid=invoice_uuid,
                order_id=request.order_id,
                amount=format(request.amount.amount, "f"),
                currency=request.amount.currency.code,
                url=f"{self.base_url}/sandbox/invoices/{invoice_uuid}",
                url_callback=f"{self.base_url}/webhooks/heleket",
                lifetime=int(self.lifetime.total_seconds()),
                expired_at=int(expires.timestamp()),
                additional_data=f"tg:{request.user_id}",
                is_payment_multiple=False,
            )
            self.invoices[request.order_id] = invoice
        return _invoice(invoice)

    async def fetch_payment(self, order_id: str) -> PaymentNotification:
        invoice = self.invoices.get(order_id)
        if invoice is None:
            msg = f"the sandbox has no invoice for order {order_id} (it forgets them on restart)"
            raise PaymentGatewayRefused(msg)
        return notification_from_payload(invoice.result())

    def by_uuid(self, invoice_uuid: str) -> HeleketInvoice | None:
        return next((inv for inv in self.invoices.values() if inv.uuid == invoice_uuid), None)

    def settle(self, invoice: HeleketInvoice, action: str) -> bytes:
        """Move the invoice as the action says and return the signed webhook Heleket would send for it."""
        status = SANDBOX_ACTIONS[action]
        if status == "cancel":
            invoice.status = status
        else:
            factor = {"paid": "1", "paid_over": "1.1"}.get(status, "0.5")
            paid = _scaled(invoice.amount, factor)
            invoice.record_payment(
                status,
                paid=paid,
                payer_currency=invoice.currency,
                paid_usd=str(paid) if invoice.currency == "USD" else None,
                network="sandbox",
            )
        return signed_webhook_body(invoice.webhook_fields(), self.payment_key)


def _scaled(amount: str, factor: str) -> Decimal:
    """``amount x factor`` at the amount's own number of decimals, rounded down."""
    exact = Decimal(amount)
    quantum = Decimal(1).scaleb(int(exact.as_tuple().exponent))
    return (exact * Decimal(factor)).quantize(quantum, rounding=ROUND_FLOOR)


def _invoice(invoice: HeleketInvoice) -> Invoice:
    return Invoice(uuid=invoice.uuid, url=invoice.url, expires_at=datetime.fromtimestamp(invoice.expired_at, UTC))
