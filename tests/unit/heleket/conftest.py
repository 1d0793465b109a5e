from __future__ import annotations

from collections.abc import Callable

import pytest

from starshop.adapters.heleket import HeleketWebhookVerifier, signed_webhook_body

SPEC_KEY = "uQ4LFGL2rx0hXcJmTNvHf8bS2e9WkYpA7dZ1nR3cV6tM0oKqIjEsHgBfUwLyXzPa"


def webhook_fields(**overrides: object) -> dict[str, object]:
    """A paid USD invoice's webhook, fields in Heleket's order, amounts as strings, nulls present."""
    fields: dict[str, object] = {
        "type": "payment",
        "uuid": "62f88b36-a9d5-4fa6-aa26-e040c3dbf26d",
        "order_id": "stars_123456789_1718000000",
        "amount": "15.00000000",
        "payment_amount": "15.00000000",
        "payment_amount_usd": "15.00",
        "merchant_amount": "14.70000000",
        "commission": "0.30000000",
        "is_final": True,
        "status": "paid",
        "from": "TXYZpayer",
        "wallet_address_uuid": None,
        "network": "tron",
        "currency": "USD",
        "payer_currency": "USDT",
        "additional_data": "tg:123456789",
        "txid": "6f0d9c8fa5a3d0d9e0f1",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def key() -> str:
    return SPEC_KEY


@pytest.fixture
def verifier(key: str) -> HeleketWebhookVerifier:
    return HeleketWebhookVerifier(payment_key=key)


@pytest.fixture
def signed(key: str) -> Callable[..., bytes]:
    """``signed(status="cancel")``: a webhook body signed the way Heleket signs it."""

    def make(**overrides: object) -> bytes:
        return signed_webhook_body(webhook_fields(**overrides), key)

    return make


@pytest.fixture
def fields() -> Callable[..., dict[str, object]]:
    return webhook_fields
