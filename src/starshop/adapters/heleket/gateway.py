"""The Heleket payment gateway over httpx: signed POSTs, retries for transient failures, one breaker."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
import httpx

from starshop.adapters.heleket.signing import sign_body
from starshop.adapters.heleket.verifier import notification_from_payload
from starshop.adapters.resilience import CircuitBreaker, CircuitOpen, RetryPolicy, retrying
from starshop.application.errors import MalformedNotification, PaymentGatewayRefused, PaymentGatewayUnavailable
from starshop.application.ports.payments import InvoiceRequest, PaymentNotification
from starshop.domain import Invoice

DEFAULT_BASE_URL = "https://api.heleket.com"
_T = TypeVar("_T")


class ServerError(Exception):
    """Heleket answered 5xx: the outcome is unknown, the call may be repeated."""


def is_transient(exc: BaseException) -> bool:
    """What is retried and what the breaker counts: transport errors and 5xx, never a refusal."""
    return isinstance(exc, httpx.TransportError | ServerError)


def _default_breaker() -> CircuitBreaker:
    return CircuitBreaker(name="heleket", counts=is_transient)


@attrs.define(kw_only=True)
class HttpxHeleketGateway:
    """``PaymentGateway`` on Heleket at ``base_url``.

    Pass ``client`` to share a connection pool (its owner closes it), or let the gateway make one and close it
    with ``aclose``. Only transport errors and 5xx are retried and counted by the breaker.
    """

    merchant_uuid: str
    payment_key: str = attrs.field(repr=False)
    callback_url: str
    lifetime: int = 3600
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    breaker: CircuitBreaker = attrs.field(factory=_default_breaker)
    base_url: str = DEFAULT_BASE_URL
    client: httpx.AsyncClient | None = attrs.field(default=None, repr=False)
    _owns_client: bool = attrs.field(default=False, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.client is None:
            self.client = httpx.AsyncClient()
            self._owns_client = True

    async def aclose(self) -> None:
        if self._owns_client and self.client is not None:
            await self.client.aclose()

    async def create_invoice(self, request: InvoiceRequest) -> Invoice:
        payload = {
            "amount": format(request.amount.amount, "f"),
            "currency": request.amount.currency.code,
            "order_id": request.order_id,
            "url_callback": self.callback_url,
            "lifetime": self.lifetime,
            "is_payment_multiple": False,
            "additional_data": f"tg:{request.user_id}",
        }
        result = await self._call("/v1/payment", payload)
        try:
            return Invoice(
                uuid=_field(result, "uuid", str),
                url=_field(result, "url", str),
                expires_at=datetime.fromtimestamp(_field(result, "expired_at", int), tz=UTC),
            )
        except (ValueError, OverflowError, OSError) as exc:
            msg = f"Heleket returned an invoice that cannot be read: {exc}"
            raise PaymentGatewayUnavailable(msg) from None

    async def fetch_payment(self, order_id: str) -> PaymentNotification:
        result = await self._call("/v1/payment/info", {"order_id": order_id})
        try:
            return notification_from_payload(result)
        except MalformedNotification as exc:
            msg = f"Heleket returned a payment that cannot be read: {exc}"
            raise PaymentGatewayUnavailable(msg) from None

    async def _call(self, path: str, payload: dict[str, object]) -> dict[str, Any]:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "merchant": self.merchant_uuid,
            "sign": sign_body(body, self.payment_key),
            "Content-Type": "application/json",
        }
        response = await self._send(path, body, headers)
        return _result(path, response)

    async def _send(self, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        url = self.base_url.rstrip("/") + path
        try:
            async for attempt in retrying(self.retry, on=is_transient):
                with attempt:
                    async with self.breaker.guard():
                        response = await self._post_once(url, body, headers)
        except CircuitOpen as exc:
            msg = f"Heleket {path} not attempted: {exc}"
            raise PaymentGatewayUnavailable(msg) from None
        except (httpx.TransportError, ServerError) as exc:
            msg = f"Heleket {path} failed: {type(exc).__name__}: {exc}"
            raise PaymentGatewayUnavailable(msg) from None
        return response

    async def _post_once(self, url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        assert self.client is not None
        timeout = httpx.Timeout(self.read_timeout, connect=self.connect_timeout)
        response = await self.client.post(url, content=body, headers=headers, timeout=timeout)
        if response.status_code >= 500:
            msg = f"Heleket answered {response.status_code} {response.reason_phrase}"
            raise ServerError(msg)
        return response


def _result(path: str, response: httpx.Response) -> dict[str, Any]:
    """The ``result`` of a successful answer; a refusal (4xx, ``state != 0``) raises ``PaymentGatewayRefused``."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = {}
    if response.status_code >= 400 or data.get("state") != 0:
        msg = f"Heleket refused {path} ({response.status_code}): {_reason(data)}"
        raise PaymentGatewayRefused(msg)
    result = data.get("result")
    if not isinstance(result, dict):
        msg = f"Heleket {path} answered without a result"
        raise PaymentGatewayUnavailable(msg)
    return result


def _reason(data: dict[str, Any]) -> str:
    errors = data.get("errors")
    if isinstance(errors, dict) and errors:
        return "; ".join(
            f"{field}: {', '.join(map(str, problems if isinstance(problems, list) else [problems]))}"
            for field, problems in errors.items()
        )
    message = data.get("message")
    return str(message) if message else "no reason given"


def _field(result: dict[str, Any], name: str, kind: type[_T]) -> _T:
    value = result.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        msg = f"{name} is {value!r}"
        raise ValueError(msg)
    return value
