"""Heleket webhooks and invoice records, turned into the shop's ``PaymentNotification``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

import attrs

from starshop.adapters.heleket.signing import verify_webhook
from starshop.application.errors import MalformedNotification
from starshop.application.ports.payments import PaymentNotification
from starshop.domain import Currency, InvalidMoney, Money, PaymentStatus

STATUSES: Mapping[str, PaymentStatus] = {
    "check": PaymentStatus.WAITING,
    "process": PaymentStatus.CONFIRMING,
    "confirm_check": PaymentStatus.CONFIRMING,
    "wrong_amount_waiting": PaymentStatus.UNDERPAID_WAITING,
    "paid": PaymentStatus.PAID,
    "paid_over": PaymentStatus.OVERPAID,
    "wrong_amount": PaymentStatus.UNDERPAID,
    "cancel": PaymentStatus.CANCELLED,
    "fail": PaymentStatus.FAILED,
    "system_fail": PaymentStatus.FAILED,
    "locked": PaymentStatus.LOCKED,
    "refund_process": PaymentStatus.REFUNDING,
    "refund_paid": PaymentStatus.REFUNDED,
    "refund_fail": PaymentStatus.REFUND_FAILED,
}
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@attrs.frozen(kw_only=True)
class HeleketWebhookVerifier:
    """Checks a payment webhook's ``sign`` with the payment key and reads it (the web side bounds the body's size
    before it gets here)."""

    payment_key: str = attrs.field(repr=False)

    def verify(self, body: bytes) -> PaymentNotification:
        data = verify_webhook(body, self.payment_key)
        if data.get("type") != "payment":
            msg = f"not a payment webhook: type {data.get('type')!r}"
            raise MalformedNotification(msg)
        return notification_from_payload(data)


def notification_from_payload(data: Mapping[str, object]) -> PaymentNotification:
    """Read a webhook body or a ``payment/info`` result; raises ``MalformedNotification`` for junk."""
    raw_status = data.get("status", data.get("payment_status"))
    if not isinstance(raw_status, str) or raw_status not in STATUSES:
        msg = f"unknown payment status {raw_status!r}"
        raise MalformedNotification(msg)
    currency = _currency(data, "currency")
    amount = _money(data, "amount", currency, exact=True)
    if amount is None or not amount.is_positive:
        msg = "the invoice amount is missing or not positive"
        raise MalformedNotification(msg)
    return PaymentNotification(
        order_id=_text(data, "order_id"),
        invoice_uuid=_text(data, "uuid"),
        status=STATUSES[raw_status],
        amount=amount,
        paid_amount=_paid_amount(data, currency),
        raw_status=raw_status,
    )


def _paid_amount(data: Mapping[str, object], currency: Currency) -> Money | None:
    """What was received, in the invoice currency, only where Heleket states it in that currency."""
    if currency.code == "USD":
        paid = _money(data, "payment_amount_usd", currency, exact=False)
    elif isinstance(data.get("payer_currency"), str) and str(data["payer_currency"]).upper() == currency.code:
        paid = _money(data, "payment_amount", currency, exact=False)
    else:
        return None
    if paid is not None and paid.is_negative:
        msg = "the paid amount is negative"
        raise MalformedNotification(msg)
    return paid


def _text(data: Mapping[str, object], field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value:
        msg = f"{field} is missing or not a string"
        raise MalformedNotification(msg)
    return value


def _currency(data: Mapping[str, object], field: str) -> Currency:
    try:
        return Currency.of(_text(data, field))
    except InvalidMoney as exc:
        msg = f"{field}: {exc}"
        raise MalformedNotification(msg) from None


def _money(data: Mapping[str, object], field: str, currency: Currency, *, exact: bool) -> Money | None:
    """A decimal string; ``exact`` refuses digits beyond the currency scale, otherwise they are dropped."""
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        msg = f"{field} is not a decimal string: {value!r}"
        raise MalformedNotification(msg)
    try:
        return Money.of(Decimal(value), currency) if exact else Money.rounded_down(Decimal(value), currency)
    except InvalidMoney as exc:
        msg = f"{field}: {exc}"
        raise MalformedNotification(msg) from None
