"""``POST /webhooks/heleket``: authenticate, then hand the notification to ``ConfirmPayment``.

Answers: 200 for every authentic webhook (intermediate statuses and duplicates included, so Heleket stops
retrying), 400 for a malformed body, 401 for a bad signature, 403 for a refused source address, 413 for an
oversized body. A refused webhook changes nothing and is logged without its body or signature.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, post
from msgspec import Struct

from starshop.application.errors import InvalidSignature, MalformedNotification
from starshop.application.ports import WebhookVerifier
from starshop.application.use_cases.confirm_payment import ConfirmPayment
from starshop.entrypoints.observability import Metrics
from starshop.entrypoints.settings import WebhookSettings
from starshop.entrypoints.web.errors import error_response

__all__ = ["WebhookSettings", "client_address", "heleket_webhook"]

log = logging.getLogger("starshop.webhooks.heleket")


def client_address(peer: str | None, forwarded_for: str | None, trusted: frozenset[str]) -> str | None:
    """The address that reached our first trusted proxy: walk ``X-Forwarded-For`` from the right, skipping our own
    proxies; a header from an untrusted peer is ignored."""
    if peer is None or peer not in trusted or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return peer


def _valid_ip(text: str | None) -> bool:
    try:
        ipaddress.ip_address(text or "")
    except ValueError:
        return False
    return True


async def _read_limited(request: Request[Any, Any, Any], limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return None
    return bytes(body)


class Accepted(Struct, kw_only=True):
    """An authentic webhook, whatever it changed: ``outcome`` says what (``credited``, ``duplicate``, ...)."""

    ok: bool = True
    outcome: str


@post("/webhooks/heleket", status_code=200, errors=(400, 401, 403, 413))
@inject
async def heleket_webhook(
    request: Request[Any, Any, Any],
    verifier: FromDishka[WebhookVerifier],
    confirm: FromDishka[ConfirmPayment],
    settings: FromDishka[WebhookSettings],
    metrics: FromDishka[Metrics],
) -> Response[Accepted]:
    peer = request.client.host if request.client else None
    source = client_address(peer, request.headers.get("x-forwarded-for"), settings.trusted_proxies)
    if settings.allowed_sources and (not _valid_ip(source) or source not in settings.allowed_sources):
        log.warning("heleket webhook refused: source %s is not allowed", source)
        return error_response(403, "forbidden_source", "this address may not send payment webhooks")
    body = await _read_limited(request, settings.max_body_bytes)
    if body is None:
        log.warning("heleket webhook refused: body over %d bytes from %s", settings.max_body_bytes, source)
        return error_response(413, "body_too_large", f"the body is larger than {settings.max_body_bytes} bytes")
    try:
        note = verifier.verify(body)
    except InvalidSignature as exc:
        log.warning("heleket webhook refused from %s: %s", source, exc)
        return error_response(401, exc.code, "the signature does not match")
    except MalformedNotification as exc:
        log.warning("heleket webhook refused from %s: %s", source, exc)
        return error_response(400, exc.code, str(exc))
    outcome = await confirm(note, webhook=True)
    metrics.webhooks.labels(note.raw_status or note.status.value, outcome.value).inc()
    log.info("heleket webhook order=%s status=%s outcome=%s", note.order_id, note.raw_status, outcome.value)
    return Response(Accepted(outcome=outcome.value), status_code=200)
