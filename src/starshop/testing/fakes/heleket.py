"""A fake Heleket on real HTTP (127.0.0.1) for tests.

It checks ``merchant`` and ``sign`` on every request as Heleket does, validates fields, creates invoices
(the same ``order_id`` returns the same invoice), answers ``payment/info``, lets a test set any status, and
sends webhooks signed the PHP way. It can fail or hang the next requests on demand::

    async with FakeHeleket() as fake:
        gateway = HttpxHeleketGateway(base_url=fake.base_url, merchant_uuid=fake.merchant_uuid, ...)
        fake.set_status(order_id, "paid")
        await fake.send_webhook(order_id, url=webhook_url)
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from http import HTTPStatus
from types import TracebackType
from typing import Any

import attrs
import httpx

from starshop.adapters.heleket.invoice import HeleketInvoice
from starshop.adapters.heleket.signing import sign_body, signed_webhook_body

Handler = Callable[["HttpRequest"], Awaitable[tuple[int, bytes]]]
CURRENCIES = frozenset({"USD", "EUR", "RUB", "USDT", "USDC", "TON", "BTC", "ETH", "LTC", "TRX"})
_ORDER_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?")
_INVALID_SIGN = (401, {"message": "Invalid Sign."})


@attrs.frozen
class HttpRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


@attrs.define
class LocalHttpServer:
    """A minimal HTTP/1.1 server (one request per connection) on 127.0.0.1 and a free port."""

    handler: Handler
    host: str = "127.0.0.1"
    _server: asyncio.Server | None = attrs.field(default=None, init=False)
    _tasks: set[asyncio.Task[None]] = attrs.field(factory=set, init=False)
    released: asyncio.Event = attrs.field(factory=asyncio.Event, init=False)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the server is not started"
        port = self._server.sockets[0].getsockname()[1]
        return f"http://{self.host}:{port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, 0)

    async def stop(self) -> None:
        self.released.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=2)
            for task in pending:
                task.cancel()

    async def __aenter__(self) -> LocalHttpServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            request = await _read_request(reader)
            status, body = await self.handler(request)
            head = (
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> HttpRequest:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    request_line, *lines = head.rstrip("\r\n").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return HttpRequest(method=method, path=target.split("?", 1)[0], headers=headers, body=body)


@attrs.define(kw_only=True)
class FakeHeleket:
    """The fake service. Use ``async with FakeHeleket() as fake`` to run it on a free port."""

    merchant_uuid: str = "8b03432e-385b-4670-8d06-064591096795"
    payment_key: str = attrs.field(default="fake-payment-key-0123456789abcdef", repr=False)
    clock: Callable[[], float] = time.time
    invoices: dict[str, HeleketInvoice] = attrs.field(factory=dict)
    requests: list[HttpRequest] = attrs.field(factory=list)
    _failures: list[int] = attrs.field(factory=list)
    _hangs: int = 0
    _refusals: list[str] = attrs.field(factory=list)
    _http: LocalHttpServer | None = attrs.field(default=None, init=False)

    @property
    def base_url(self) -> str:
        assert self._http is not None, "the fake is not started"
        return self._http.base_url

    async def __aenter__(self) -> FakeHeleket:
        self._http = LocalHttpServer(self._handle)
        await self._http.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._http is not None:
            await self._http.stop()

    def fail_next(self, count: int = 1, *, status: int = 500) -> None:
        self._failures.extend([status] * count)

    def hang_next(self, count: int = 1) -> None:
        """The next ``count`` requests get no answer until the fake stops (the client should time out)."""
        self._hangs += count

    def refuse_next(self, message: str) -> None:
        """The next request is answered 200 ``{"state": 1, "message": message}`` (a business refusal)."""
        self._refusals.append(message)

    def invoice(self, order_id: str) -> HeleketInvoice:
        return self.invoices[order_id]

    def set_status(
        self,
        order_id: str,
        status: str,
        *,
        payment_amount: str | None = None,
        payer_currency: str = "USDT",
        payment_amount_usd: str | None = None,
    ) -> HeleketInvoice:
        """Move an invoice to any status; statuses past ``check`` get a payer, a network and amounts."""
        invoice = self.invoices[order_id]
        if status in ("check", "cancel") and payment_amount is None:
            invoice.status = status
            return invoice
        paid = Decimal(payment_amount) if payment_amount is not None else _default_paid(invoice.amount, status)
        invoice.record_payment(
            status,
            paid=paid,
            payer_currency=payer_currency,
            paid_usd=payment_amount_usd or str(paid),
            network="tron",
            payer_address="TXYZpayerFakeAddress000000000000",
        )
        return invoice

    def webhook_body(self, order_id: str, status: str | None = None, **overrides: object) -> bytes:
        fields = self.invoices[order_id].webhook_fields(status)
        fields.update(overrides)
        return signed_webhook_body(fields, self.payment_key)

    async def send_webhook(
        self,
        order_id: str,
        status: str | None = None,
        *,
        url: str | None = None,
        times: int = 1,
        **overrides: object,
    ) -> list[int]:
        """POST the webhook ``times`` times (duplicates) to ``url`` or the invoice's callback; the statuses."""
        body = self.webhook_body(order_id, status, **overrides)
        target = url or self.invoices[order_id].url_callback
        assert target, "no URL to send the webhook to"
        async with httpx.AsyncClient(timeout=10) as client:
            return [
                (await client.post(target, content=body, headers={"Content-Type": "application/json"})).status_code
                for _ in range(times)
            ]

    async def send_webhooks(self, order_id: str, statuses: list[str], *, url: str | None = None) -> list[int]:
        """One webhook per status, in the order given (out of order if the test says so)."""
        return [code for status in statuses for code in await self.send_webhook(order_id, status, url=url)]

    async def _handle(self, request: HttpRequest) -> tuple[int, bytes]:
        self.requests.append(request)
        status, payload = await self._answer(request)
        return status, json.dumps(payload).encode()

    async def _answer(self, request: HttpRequest) -> tuple[int, object]:
        if self._hangs:
            self._hangs -= 1
            assert self._http is not None
            await self._http.released.wait()
        if self._failures:
            return self._failures.pop(0), {"message": "Server Error"}
        if request.method == "GET" and request.path.startswith("/pay/"):
            return self._pay_page(request.path.removeprefix("/pay/"))
        if request.method != "POST":
            return 405, {"message": "Method Not Allowed"}
        if not self._authentic(request):
            return _INVALID_SIGN
        if self._refusals:
            return 200, {"state": 1, "message": self._refusals.pop(0)}
        data = _json_object(request.body)
        if request.path == "/v1/payment":
            return self._create(data)
        if request.path == "/v1/payment/info":
            return self._info(data)
        return 404, {"message": "Not Found"}

    def _authentic(self, request: HttpRequest) -> bool:
        merchant = request.headers.get("merchant", "")
        sign = request.headers.get("sign", "")
        expected = sign_body(request.body, self.payment_key)
        return merchant == self.merchant_uuid and hmac.compare_digest(sign.encode(), expected.encode())

    def _create(self, data: dict[str, Any]) -> tuple[int, object]:
        errors = _validate_invoice(data)
        if errors:
            return 422, {"state": 1, "errors": errors}
        order_id = data["order_id"]
        if order_id not in self.invoices:
            invoice_uuid = str(uuid.uuid4())
            lifetime = data.get("lifetime", 3600)
            self.invoices[order_id] = HeleketInvoice(
                uuid=invoice_uuid,
                order_id=order_id,
                amount=data["amount"],
                currency=data["currency"].upper(),
                url=f"{self.base_url}/pay/{invoice_uuid}",
                url_callback=data.get("url_callback"),
                lifetime=lifetime,
                expired_at=int(self.clock()) + lifetime,
                additional_data=data.get("additional_data"),
                is_payment_multiple=data.get("is_payment_multiple", True),
            )
        return 200, {"state": 0, "result": self.invoices[order_id].result()}

    def _info(self, data: dict[str, Any]) -> tuple[int, object]:
        if not isinstance(data.get("uuid"), str) and not isinstance(data.get("order_id"), str):
            return 422, {"state": 1, "errors": {"uuid": ["validation.required_without"]}}
        for invoice in self.invoices.values():
            if data.get("uuid") in (None, invoice.uuid) and data.get("order_id") in (None, invoice.order_id):
                return 200, {"state": 0, "result": invoice.result()}
        return 404, {"state": 1, "message": "Payment not found"}

    def _pay_page(self, invoice_uuid: str) -> tuple[int, object]:
        for invoice in self.invoices.values():
            if invoice.uuid == invoice_uuid:
                return 200, {"state": 0, "result": invoice.result()}
        return 404, {"message": "Not Found"}


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _validate_invoice(data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    checks: dict[str, tuple[bool, Callable[[Any], str | None]]] = {
        "amount": (True, _check_amount),
        "currency": (True, lambda v: None if isinstance(v, str) and v.upper() in CURRENCIES else "validation.in"),
        "order_id": (True, lambda v: None if isinstance(v, str) and _ORDER_ID.fullmatch(v) else "validation.regex"),
        "url_callback": (False, _check_url),
        "lifetime": (False, _check_lifetime),
        "is_payment_multiple": (False, lambda v: None if isinstance(v, bool) else "validation.boolean"),
        "additional_data": (False, lambda v: None if isinstance(v, str) and len(v) <= 255 else "validation.max"),
    }
    for field, (required, check) in checks.items():
        if data.get(field) is None:
            if required:
                errors[field] = ["validation.required"]
            continue
        problem = check(data[field])
        if problem:
            errors[field] = [problem]
    return errors


def _check_amount(value: Any) -> str | None:
    if not isinstance(value, str) or not _AMOUNT.fullmatch(value):
        return "validation.numeric"
    return None if Decimal(value) > 0 else "validation.gt"


def _check_url(value: Any) -> str | None:
    ok = isinstance(value, str) and len(value) <= 255 and re.fullmatch(r"https?://[^\s]+", value) is not None
    return None if ok else "validation.url"


def _check_lifetime(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 300 <= value <= 43200
    return None if ok else "validation.between.numeric"


def _default_paid(amount: str, status: str) -> Decimal:
    value = Decimal(amount)
    if status == "paid_over":
        return value + 1
    if status in ("wrong_amount", "wrong_amount_waiting"):
        return value / 2
    return value
