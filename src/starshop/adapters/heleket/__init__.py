"""Heleket (crypto payments): the httpx gateway, the webhook verifier, PHP-style signing and the invoice record
(the fake service is ``starshop.testing.fakes.FakeHeleket``)."""

from starshop.adapters.heleket.gateway import DEFAULT_BASE_URL, HttpxHeleketGateway, is_transient
from starshop.adapters.heleket.invoice import HeleketInvoice
from starshop.adapters.heleket.signing import (
    php_json_encode,
    sign_body,
    signed_webhook_body,
    verify_webhook,
)
from starshop.adapters.heleket.verifier import STATUSES, HeleketWebhookVerifier, notification_from_payload

__all__ = [
    "DEFAULT_BASE_URL",
    "STATUSES",
    "HeleketInvoice",
    "HeleketWebhookVerifier",
    "HttpxHeleketGateway",
    "is_transient",
    "notification_from_payload",
    "php_json_encode",
    "sign_body",
    "signed_webhook_body",
    "verify_webhook",
]
