from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from starshop.adapters.heleket import STATUSES, HeleketWebhookVerifier
from starshop.application.errors import InvalidSignature, MalformedNotification
from starshop.domain import Currency, Money, PaymentStatus

USD = Currency.of("USD")
USDT = Currency.of("USDT")
Signed = Callable[..., bytes]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("check", PaymentStatus.WAITING),
        ("process", PaymentStatus.CONFIRMING),
        ("confirm_check", PaymentStatus.CONFIRMING),
        ("wrong_amount_waiting", PaymentStatus.UNDERPAID_WAITING),
        ("paid", PaymentStatus.PAID),
        ("paid_over", PaymentStatus.OVERPAID),
        ("wrong_amount", PaymentStatus.UNDERPAID),
        ("cancel", PaymentStatus.CANCELLED),
        ("fail", PaymentStatus.FAILED),
        ("system_fail", PaymentStatus.FAILED),
        ("locked", PaymentStatus.LOCKED),
        ("refund_process", PaymentStatus.REFUNDING),
        ("refund_paid", PaymentStatus.REFUNDED),
        ("refund_fail", PaymentStatus.REFUND_FAILED),
    ],
)
def test_verify_maps_every_heleket_status(
    verifier: HeleketWebhookVerifier, signed: Signed, raw: str, status: PaymentStatus
) -> None:
    notification = verifier.verify(signed(status=raw))

    assert notification.status is status
    assert notification.raw_status == raw


def test_every_mapped_status_is_tested() -> None:
    assert len(STATUSES) == 14


def test_verify_reads_a_paid_usd_webhook(verifier: HeleketWebhookVerifier, signed: Signed) -> None:
    notification = verifier.verify(signed())

    assert notification.order_id == "stars_123456789_1718000000"
    assert notification.invoice_uuid == "62f88b36-a9d5-4fa6-aa26-e040c3dbf26d"
    assert notification.amount == Money.of("15.00", USD)
    assert notification.paid_amount == Money.of("15.00", USD)


def test_verify_takes_the_usd_paid_amount_rounded_down(verifier: HeleketWebhookVerifier, signed: Signed) -> None:
    notification = verifier.verify(signed(payment_amount_usd="14.99999999", payment_amount="15.1"))

    assert notification.paid_amount == Money.of("14.99", USD)


def test_verify_takes_payment_amount_when_the_payer_paid_in_the_invoice_currency(
    verifier: HeleketWebhookVerifier, signed: Signed
) -> None:
    notification = verifier.verify(
        signed(currency="USDT", payer_currency="USDT", payment_amount="7.509", payment_amount_usd="7.50")
    )

    assert notification.amount == Money.of("15.00", USDT)
    assert notification.paid_amount == Money.of("7.50", USDT)


def test_verify_leaves_paid_amount_unknown_when_paid_in_another_currency(
    verifier: HeleketWebhookVerifier, signed: Signed
) -> None:
    notification = verifier.verify(signed(currency="EUR", payer_currency="USDT"))

    assert notification.paid_amount is None


def test_verify_leaves_paid_amount_unknown_before_payment(verifier: HeleketWebhookVerifier, signed: Signed) -> None:
    notification = verifier.verify(signed(status="check", payment_amount=None, payment_amount_usd=None))

    assert notification.status is PaymentStatus.WAITING
    assert notification.paid_amount is None


def test_verify_keeps_a_nine_decimal_ton_amount_exact(verifier: HeleketWebhookVerifier, signed: Signed) -> None:
    notification = verifier.verify(signed(currency="TON", amount="1.123456789", payer_currency="TON"))

    assert notification.amount.amount == Decimal("1.123456789")


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"amount": "15.001"}, id="more decimals than the currency has"),
        pytest.param({"amount": "15.00000001"}, id="a fraction of a cent"),
        pytest.param({"amount": 15}, id="a number, not a string"),
        pytest.param({"amount": 15.0}, id="a float"),
        pytest.param({"amount": "1e3"}, id="exponent"),
        pytest.param({"amount": "NaN"}, id="NaN"),
        pytest.param({"amount": " 15.00"}, id="padded"),
        pytest.param({"amount": "-15.00"}, id="negative"),
        pytest.param({"amount": "0.00"}, id="zero"),
        pytest.param({"amount": None}, id="null"),
        pytest.param({"amount": "abc"}, id="junk"),
        pytest.param({"currency": "XYZ"}, id="unknown currency"),
        pytest.param({"currency": None}, id="no currency"),
        pytest.param({"payment_amount_usd": "lots"}, id="junk paid amount"),
        pytest.param({"payment_amount_usd": "-1.00"}, id="negative paid amount"),
        pytest.param({"status": "teleported"}, id="unknown status"),
        pytest.param({"status": None}, id="no status"),
        pytest.param({"type": "payout"}, id="a payout webhook"),
        pytest.param({"type": None}, id="no type"),
        pytest.param({"uuid": None}, id="no uuid"),
        pytest.param({"order_id": ""}, id="empty order id"),
        pytest.param({"order_id": 42}, id="numeric order id"),
    ],
)
def test_verify_refuses_malformed_notifications(
    verifier: HeleketWebhookVerifier, signed: Signed, overrides: dict[str, object]
) -> None:
    with pytest.raises(MalformedNotification):
        verifier.verify(signed(**overrides))


def test_verify_refuses_a_forged_webhook(verifier: HeleketWebhookVerifier, signed: Signed) -> None:
    body = signed().replace(b'"paid"', b'"paid_over"')

    with pytest.raises(InvalidSignature):
        verifier.verify(body)


def test_the_payment_key_never_shows_in_the_verifier_repr(verifier: HeleketWebhookVerifier, key: str) -> None:
    assert key not in repr(verifier)
