"""A payment gateway a test scripts: it remembers invoices and reports whatever status the test sets."""

from __future__ import annotations

from datetime import timedelta

import attrs

from starshop.application.errors import PaymentGatewayRefused
from starshop.application.ports import Clock, InvoiceRequest, PaymentNotification
from starshop.domain import Invoice, Money, PaymentStatus


@attrs.define
class _Stored:
    invoice: Invoice
    amount: Money
    status: PaymentStatus = PaymentStatus.WAITING
    paid: Money | None = None


class ScriptedPaymentGateway:
    def __init__(
        self, clock: Clock, *, lifetime: timedelta = timedelta(hours=1), base_url: str = "https://pay.test"
    ) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._base_url = base_url
        self.invoices: dict[str, _Stored] = {}
        self.create_calls = 0
        self.fail_create: type[Exception] | None = None
        self.fail_fetch: type[Exception] | None = None

    async def create_invoice(self, request: InvoiceRequest) -> Invoice:
        self.create_calls += 1
        if self.fail_create is not None:
            raise self.fail_create("scripted failure")
        stored = self.invoices.get(request.order_id)
        if stored is None:
            uuid = f"inv-{request.order_id}"
            invoice = Invoice(uuid=uuid, url=f"{self._base_url}/{uuid}", expires_at=self._clock.now() + self._lifetime)
            stored = self.invoices[request.order_id] = _Stored(invoice=invoice, amount=request.amount)
        return stored.invoice

    async def fetch_payment(self, order_id: str) -> PaymentNotification:
        if self.fail_fetch is not None:
            raise self.fail_fetch("scripted failure")
        stored = self.invoices.get(order_id)
        if stored is None:
            msg = f"no invoice for order {order_id}"
            raise PaymentGatewayRefused(msg)
        return self.notification(order_id)

    def set_status(self, order_id: str, status: PaymentStatus, *, paid: Money | None = None) -> PaymentNotification:
        stored = self.invoices[order_id]
        stored.status = status
        stored.paid = paid
        return self.notification(order_id)

    def notification(self, order_id: str, status: PaymentStatus | None = None) -> PaymentNotification:
        stored = self.invoices[order_id]
        return PaymentNotification(
            order_id=order_id,
            invoice_uuid=stored.invoice.uuid,
            status=status or stored.status,
            amount=stored.amount,
            paid_amount=stored.paid,
            raw_status=(status or stored.status).value,
        )
