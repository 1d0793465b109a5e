"""An invoice as Heleket keeps it: its ``payment``/``payment/info`` result and its payment webhook, field for field
(see the Heleket notes: amounts as strings with eight decimals, nulls kept, the webhook's own field order). The
sandbox keeps its invoices in this shape, so the webhooks it sends are the ones Heleket would send."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

import attrs

FINAL_STATUSES = frozenset(
    {"paid", "paid_over", "wrong_amount", "cancel", "fail", "system_fail", "locked", "refund_paid", "refund_fail"}
)
COMMISSION = Decimal("0.02")
"""The share of a payment Heleket keeps in these records (``merchant_amount`` is the rest); the shop credits the
amount it stored, never ``merchant_amount``."""


@attrs.define(kw_only=True)
class HeleketInvoice:
    uuid: str
    order_id: str
    amount: str
    currency: str
    url: str
    url_callback: str | None
    lifetime: int
    expired_at: int
    additional_data: str | None
    is_payment_multiple: bool
    status: str = "check"
    payer_currency: str | None = None
    payment_amount: str | None = None
    payment_amount_usd: str | None = None
    merchant_amount: str | None = None
    commission: str | None = None
    network: str | None = None
    address: str | None = None
    payer_address: str | None = None
    txid: str | None = None

    def record_payment(
        self,
        status: str,
        *,
        paid: Decimal,
        payer_currency: str,
        paid_usd: str | None,
        network: str,
        payer_address: str | None = None,
    ) -> None:
        """Move to ``status`` with ``paid`` received: the payer's side as Heleket fills it, the commission taken from
        what was paid and a transaction id of the invoice's own."""
        commission = paid * COMMISSION
        self.status = status
        self.payer_currency = payer_currency
        self.payment_amount = eight_places(str(paid))
        self.payment_amount_usd = eight_places(paid_usd)
        self.merchant_amount = eight_places(str(paid - commission))
        self.commission = eight_places(str(commission))
        self.network = network
        self.payer_address = payer_address
        self.txid = self.txid or uuid.uuid5(uuid.NAMESPACE_URL, self.uuid).hex

    def result(self) -> dict[str, object]:
        """The invoice as ``payment`` and ``payment/info`` return it."""
        return {
            "uuid": self.uuid,
            "order_id": self.order_id,
            "amount": self.amount,
            "payment_amount": self.payment_amount,
            "payment_amount_usd": self.payment_amount_usd,
            "payer_amount": self.payment_amount,
            "payer_currency": self.payer_currency,
            "currency": self.currency,
            "merchant_amount": self.merchant_amount,
            "network": self.network,
            "address": self.address,
            "from": self.payer_address,
            "txid": self.txid,
            "payment_status": self.status,
            "url": self.url,
            "expired_at": self.expired_at,
            "status": self.status,
            "is_final": self.status in FINAL_STATUSES,
            "additional_data": self.additional_data,
        }

    def webhook_fields(self, status: str | None = None) -> dict[str, object]:
        """A payment webhook's fields in Heleket's order, before ``sign``; amounts as strings, nulls kept."""
        status = status or self.status
        fields: dict[str, object] = {
            "type": "payment",
            "uuid": self.uuid,
            "order_id": self.order_id,
            "amount": eight_places(self.amount),
            "payment_amount": self.payment_amount,
            "payment_amount_usd": self.payment_amount_usd,
            "merchant_amount": self.merchant_amount,
            "commission": self.commission,
            "is_final": status in FINAL_STATUSES,
            "status": status,
            "from": self.payer_address,
            "wallet_address_uuid": None,
            "network": self.network,
            "currency": self.currency,
            "payer_currency": self.payer_currency,
            "additional_data": self.additional_data,
        }
        if self.txid is not None:
            fields["txid"] = self.txid
        return fields


def eight_places(value: str | None) -> str | None:
    """Heleket writes amounts with 8 decimals (``"3.00000000"``) unless that would lose digits."""
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    quantized = number.quantize(Decimal("0.00000001"))
    return format(quantized if quantized == number else number, "f")
