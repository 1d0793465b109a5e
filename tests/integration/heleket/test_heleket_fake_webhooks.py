from __future__ import annotations

import httpx
import pytest

from starshop.adapters.heleket import HeleketWebhookVerifier, HttpxHeleketGateway, sign_body
from starshop.application.errors import InvalidSignature
from starshop.application.ports.payments import InvoiceRequest
from starshop.domain import Currency, Money, PaymentStatus
from starshop.testing.fakes import FakeHeleket

USD = Currency.of("USD")


async def create(gateway: HttpxHeleketGateway, order_id: str = "stars_7_1") -> None:
    await gateway.create_invoice(InvoiceRequest(order_id=order_id, amount=Money.of("3", USD), user_id=7))


async def test_the_fake_sends_webhooks_our_verifier_accepts(
    gateway: HttpxHeleketGateway, fake: FakeHeleket, webhook_url: str, received: list[bytes]
) -> None:
    await create(gateway)
    fake.set_status("stars_7_1", "paid")

    codes = await fake.send_webhook("stars_7_1", url=webhook_url)

    assert codes == [200]
    [body] = received
    assert body.startswith(b'{"type":"payment","uuid":')
    assert b'"amount":"3.00000000"' in body
    assert b'"wallet_address_uuid":null' in body
    notification = HeleketWebhookVerifier(payment_key=fake.payment_key).verify(body)
    assert notification.status is PaymentStatus.PAID
    assert notification.order_id == "stars_7_1"
    assert notification.amount == Money.of("3.00", USD)
    assert notification.paid_amount == Money.of("3.00", USD)


async def test_the_fake_sends_duplicates_and_out_of_order_statuses(
    gateway: HttpxHeleketGateway, fake: FakeHeleket, webhook_url: str, received: list[bytes]
) -> None:
    await create(gateway)
    fake.set_status("stars_7_1", "paid")

    await fake.send_webhooks("stars_7_1", ["paid", "process", "check"], url=webhook_url)
    await fake.send_webhook("stars_7_1", "paid", url=webhook_url, times=2)

    verifier = HeleketWebhookVerifier(payment_key=fake.payment_key)
    statuses = [verifier.verify(body).raw_status for body in received]
    assert statuses == ["paid", "process", "check", "paid", "paid"]


async def test_fake_webhooks_escape_slashes_and_keep_unicode_as_php_does(
    gateway: HttpxHeleketGateway, fake: FakeHeleket, webhook_url: str, received: list[bytes]
) -> None:
    await create(gateway)

    await fake.send_webhook("stars_7_1", "check", url=webhook_url, additional_data="https://t.me/звёзды")

    [body] = received
    assert "https:\\/\\/t.me\\/звёзды".encode() in body
    assert HeleketWebhookVerifier(payment_key=fake.payment_key).verify(body).status is PaymentStatus.WAITING


async def test_fake_webhooks_fail_verification_with_another_key(
    gateway: HttpxHeleketGateway, fake: FakeHeleket
) -> None:
    await create(gateway)

    with pytest.raises(InvalidSignature):
        HeleketWebhookVerifier(payment_key="not-the-key").verify(fake.webhook_body("stars_7_1", "paid"))


async def test_the_fake_posts_to_the_invoice_callback_by_default(
    fake: FakeHeleket, webhook_url: str, received: list[bytes]
) -> None:
    gateway = HttpxHeleketGateway(
        base_url=fake.base_url, merchant_uuid=fake.merchant_uuid, payment_key=fake.payment_key, callback_url=webhook_url
    )
    try:
        await create(gateway)
    finally:
        await gateway.aclose()

    assert await fake.send_webhook("stars_7_1", "cancel") == [200]
    assert len(received) == 1


async def test_the_fake_checks_the_sign_of_an_empty_body_and_lists_missing_fields(fake: FakeHeleket) -> None:
    headers = {"merchant": fake.merchant_uuid, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=fake.base_url) as client:
        forged = await client.post("/v1/payment", content=b"", headers={**headers, "sign": "0" * 32})
        empty = await client.post(
            "/v1/payment", content=b"", headers={**headers, "sign": sign_body(b"", fake.payment_key)}
        )

    assert (forged.status_code, forged.json()) == (401, {"message": "Invalid Sign."})
    assert empty.status_code == 422
    assert empty.json() == {
        "state": 1,
        "errors": {f: ["validation.required"] for f in ("amount", "currency", "order_id")},
    }
