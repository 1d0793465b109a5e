"""The sandbox's payment page sends the webhook Heleket would send: every field of the spec, in its order."""

import json
from decimal import Decimal

import pytest

from starshop.adapters.heleket import HeleketWebhookVerifier
from starshop.adapters.sandbox import SandboxPaymentGateway
from starshop.application.ports import InvoiceRequest
from starshop.domain import Currency, Money, PaymentStatus
from starshop.testing.doubles import FixedClock

KEY = "sandbox-key-0123456789abcdef"
SPEC_ORDER = [
    "type", "uuid", "order_id", "amount", "payment_amount", "payment_amount_usd", "merchant_amount", "commission",
    "is_final", "status", "from", "wallet_address_uuid", "network", "currency", "payer_currency", "additional_data",
    "txid", "sign",
]  # fmt: skip


async def settled(action: str, amount: str = "10.00", currency: str = "USD") -> tuple[dict[str, object], bytes]:
    gateway = SandboxPaymentGateway(base_url="http://shop", payment_key=KEY, clock=FixedClock())
    money = Money.of(amount, Currency.of(currency))
    invoice = await gateway.create_invoice(InvoiceRequest(order_id="o1", amount=money, user_id=7))
    found = gateway.by_uuid(invoice.uuid)
    assert found is not None
    body = gateway.settle(found, action)
    return json.loads(body), body


async def test_a_paid_webhook_carries_every_field_of_the_spec_in_its_order_and_verifies():
    fields, body = await settled("pay")

    assert list(fields) == SPEC_ORDER
    assert (fields["amount"], fields["payment_amount"], fields["payment_amount_usd"]) == ("10.00000000",) * 3
    assert (fields["merchant_amount"], fields["commission"]) == ("9.80000000", "0.20000000")
    assert Decimal(fields["merchant_amount"]) + Decimal(fields["commission"]) == Decimal(fields["payment_amount"])
    notification = HeleketWebhookVerifier(payment_key=KEY).verify(body)
    assert notification.status is PaymentStatus.PAID
    assert notification.paid_amount == Money.of("10.00", Currency.of("USD"))


@pytest.mark.parametrize(
    ("action", "status", "paid"), [("overpay", "paid_over", "11.00"), ("underpay", "wrong_amount", "5.00")]
)
async def test_over_and_under_payments_state_what_was_received(action: str, status: str, paid: str):
    fields, _ = await settled(action)

    assert (fields["status"], Decimal(fields["payment_amount"])) == (status, Decimal(paid))
    assert Decimal(fields["merchant_amount"]) + Decimal(fields["commission"]) == Decimal(paid)


async def test_a_cancelled_invoice_states_no_payment():
    fields, _ = await settled("cancel")

    assert fields["status"] == "cancel"
    assert fields["payment_amount"] is fields["merchant_amount"] is fields["commission"] is None


async def test_an_invoice_in_another_currency_is_paid_in_that_currency_without_a_usd_amount():
    fields, body = await settled("pay", amount="0.123456789012345678", currency="ETH")

    assert (fields["payer_currency"], fields["payment_amount"], fields["payment_amount_usd"]) == (
        "ETH",
        "0.123456789012345678",
        None,
    )
    assert HeleketWebhookVerifier(payment_key=KEY).verify(body).paid_amount == Money.of(
        "0.123456789012345678", Currency.of("ETH")
    )
