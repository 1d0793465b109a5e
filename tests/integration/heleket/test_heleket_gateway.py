from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest

from starshop.adapters.heleket import HttpxHeleketGateway, sign_body
from starshop.adapters.resilience import BreakerState, CircuitBreaker, RetryPolicy
from starshop.application.errors import PaymentGatewayRefused, PaymentGatewayUnavailable
from starshop.application.ports.payments import InvoiceRequest
from starshop.domain import Currency, Money, PaymentStatus
from starshop.testing.fakes import FakeHeleket

USD = Currency.of("USD")
SPEC_KEY = "uQ4LFGL2rx0hXcJmTNvHf8bS2e9WkYpA7dZ1nR3cV6tM0oKqIjEsHgBfUwLyXzPa"


def request(order_id: str = "stars_42_1718000000", amount: str = "15.00") -> InvoiceRequest:
    return InvoiceRequest(order_id=order_id, amount=Money.of(amount, USD), user_id=42)


async def test_create_invoice_returns_the_invoice_and_signs_the_bytes_it_sends(
    gateway: HttpxHeleketGateway, fake: FakeHeleket
) -> None:
    invoice = await gateway.create_invoice(request())

    stored = fake.invoice("stars_42_1718000000")
    assert invoice.uuid == stored.uuid
    assert invoice.url == stored.url
    assert invoice.expires_at == datetime.fromtimestamp(stored.expired_at, tz=UTC)
    assert invoice.expires_at.tzinfo is not None
    assert abs(invoice.expires_at.timestamp() - (time.time() + 3600)) < 60
    [sent] = fake.requests
    assert sent.path == "/v1/payment"
    assert sent.headers["merchant"] == fake.merchant_uuid
    assert sent.headers["sign"] == sign_body(sent.body, fake.payment_key)
    assert sent.headers["content-type"] == "application/json"
    assert b"https://bot.example.com/heleket/webhook" in sent.body
    assert json.loads(sent.body) == {
        "amount": "15.00",
        "currency": "USD",
        "order_id": "stars_42_1718000000",
        "url_callback": "https://bot.example.com/heleket/webhook",
        "lifetime": 3600,
        "is_payment_multiple": False,
        "additional_data": "tg:42",
    }


async def test_create_invoice_sends_the_spec_worked_example_byte_for_byte() -> None:
    async with FakeHeleket(payment_key=SPEC_KEY) as fake:
        gateway = HttpxHeleketGateway(
            base_url=fake.base_url,
            merchant_uuid=fake.merchant_uuid,
            payment_key=SPEC_KEY,
            callback_url="https://bot.example.com/heleket/webhook",
        )
        try:
            await gateway.create_invoice(
                InvoiceRequest(order_id="stars_123456789_1718000000", amount=Money.of("15", USD), user_id=123456789)
            )
        finally:
            await gateway.aclose()

    [sent] = fake.requests
    assert sent.headers["sign"] == "92ddaaa16e5852c2dc3fe88268659f5a"


async def test_create_invoice_is_idempotent_on_the_order_id(gateway: HttpxHeleketGateway, fake: FakeHeleket) -> None:
    first = await gateway.create_invoice(request())
    second = await gateway.create_invoice(request())

    assert first == second
    assert len(fake.invoices) == 1


async def test_a_callback_url_full_of_slashes_is_signed_right(fake: FakeHeleket) -> None:
    async with httpx.AsyncClient() as shared:
        gateway = HttpxHeleketGateway(
            base_url=fake.base_url,
            merchant_uuid=fake.merchant_uuid,
            payment_key=fake.payment_key,
            callback_url="https://shop.example.com/a/b/heleket/webhook?next=/x/y",
            client=shared,
        )
        await gateway.create_invoice(request())
        await gateway.aclose()
        assert not shared.is_closed

    assert fake.invoice("stars_42_1718000000").url_callback == "https://shop.example.com/a/b/heleket/webhook?next=/x/y"


async def test_field_errors_are_refused_naming_the_field(gateway: HttpxHeleketGateway) -> None:
    with pytest.raises(PaymentGatewayRefused, match=r"422.*order_id: validation.regex"):
        await gateway.create_invoice(request(order_id="no spaces allowed"))


async def test_a_wrong_key_is_refused_as_invalid_sign(fake: FakeHeleket) -> None:
    gateway = HttpxHeleketGateway(
        base_url=fake.base_url, merchant_uuid=fake.merchant_uuid, payment_key="wrong-key", callback_url="https://x.io"
    )
    try:
        with pytest.raises(PaymentGatewayRefused, match=r"401.*Invalid Sign\.") as caught:
            await gateway.create_invoice(request())
    finally:
        await gateway.aclose()

    assert "wrong-key" not in str(caught.value)
    assert "wrong-key" not in repr(gateway)
    assert fake.invoices == {}


async def test_an_unknown_merchant_is_refused(fake: FakeHeleket) -> None:
    gateway = HttpxHeleketGateway(
        base_url=fake.base_url, merchant_uuid="someone-else", payment_key=fake.payment_key, callback_url="https://x.io"
    )
    try:
        with pytest.raises(PaymentGatewayRefused, match="401"):
            await gateway.create_invoice(request())
    finally:
        await gateway.aclose()


async def test_a_business_refusal_with_state_1_is_refused_with_its_message(
    gateway: HttpxHeleketGateway, fake: FakeHeleket, breaker: CircuitBreaker
) -> None:
    fake.refuse_next("Merchant is blocked")

    with pytest.raises(PaymentGatewayRefused, match="Merchant is blocked"):
        await gateway.create_invoice(request())

    assert len(fake.requests) == 1
    assert breaker.state is BreakerState.CLOSED


async def test_server_errors_are_retried_until_success(gateway: HttpxHeleketGateway, fake: FakeHeleket) -> None:
    fake.fail_next(2, status=502)

    invoice = await gateway.create_invoice(request())

    assert len(fake.requests) == 3
    assert len({r.body for r in fake.requests}) == 1
    assert invoice.uuid == fake.invoice("stars_42_1718000000").uuid


async def test_a_hanging_request_times_out_and_is_retried(gateway: HttpxHeleketGateway, fake: FakeHeleket) -> None:
    fake.hang_next(1)

    invoice = await gateway.create_invoice(request())

    assert len(fake.requests) == 2
    assert invoice.uuid == fake.invoice("stars_42_1718000000").uuid


async def test_persistent_server_errors_make_it_unavailable_and_open_the_breaker(
    gateway: HttpxHeleketGateway, fake: FakeHeleket, breaker: CircuitBreaker
) -> None:
    fake.fail_next(100)

    with pytest.raises(PaymentGatewayUnavailable, match="500"):
        await gateway.create_invoice(request())

    assert len(fake.requests) == 3
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(PaymentGatewayUnavailable, match="open"):
        await gateway.fetch_payment("stars_42_1718000000")
    assert len(fake.requests) == 3


async def test_refusals_do_not_count_against_the_breaker(gateway: HttpxHeleketGateway, breaker: CircuitBreaker) -> None:
    for _ in range(5):
        with pytest.raises(PaymentGatewayRefused):
            await gateway.create_invoice(request(order_id="bad id"))

    assert breaker.state is BreakerState.CLOSED


async def test_a_closed_port_makes_it_unavailable() -> None:
    async with FakeHeleket() as fake:
        base_url = fake.base_url
    gateway = HttpxHeleketGateway(
        base_url=base_url,
        merchant_uuid="m",
        payment_key="k",
        callback_url="https://x.io",
        retry=RetryPolicy(attempts=2),
    )
    try:
        with pytest.raises(PaymentGatewayUnavailable, match="ConnectError"):
            await gateway.create_invoice(request())
    finally:
        await gateway.aclose()


async def test_fetch_payment_reports_a_new_invoice_as_waiting(gateway: HttpxHeleketGateway) -> None:
    invoice = await gateway.create_invoice(request())

    payment = await gateway.fetch_payment("stars_42_1718000000")

    assert payment.invoice_uuid == invoice.uuid
    assert payment.status is PaymentStatus.WAITING
    assert payment.amount == Money.of("15.00", USD)
    assert payment.paid_amount is None


async def test_fetch_payment_reports_a_paid_invoice_with_the_amount_received(
    gateway: HttpxHeleketGateway, fake: FakeHeleket
) -> None:
    await gateway.create_invoice(request())
    fake.set_status("stars_42_1718000000", "paid", payment_amount="15.02", payment_amount_usd="14.996")

    payment = await gateway.fetch_payment("stars_42_1718000000")

    assert payment.status is PaymentStatus.PAID
    assert payment.paid_amount == Money.of("14.99", USD)
    assert fake.requests[-1].path == "/v1/payment/info"
    assert json.loads(fake.requests[-1].body) == {"order_id": "stars_42_1718000000"}


async def test_fetch_payment_of_an_unknown_order_is_refused(gateway: HttpxHeleketGateway) -> None:
    with pytest.raises(PaymentGatewayRefused, match="not found"):
        await gateway.fetch_payment("stars_nobody")
