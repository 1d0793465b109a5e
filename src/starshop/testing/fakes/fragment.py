"""A local fake of the hosted Fragment service (v1): real HTTP/1.1 on 127.0.0.1, the same request and response
shapes, and controls for the failures a test needs (5xx, slow answers, dropped connections, refusals).

Stars are bought through ``/buyStarsWithoutKYC`` (``/buyStars`` with cookies) and Telegram Premium through
``/buyPremiumWithoutKYC`` (``/buyPremium`` with cookies; ``duration`` 3, 6 or 12 months). ``/getOrders`` lists both,
newest first: a star order with its ``amount``, a Premium order with its ``duration`` and no ``amount``.

    fake = FakeFragment(seed=SEED, users={"alice_user"})
    async with fake.running() as base_url:
        fake.answer_slowly("/buyStarsWithoutKYC", seconds=1)
        ...
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import re
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from http import HTTPStatus
from typing import Any, Literal

import attrs

BUY = "/buyStarsWithoutKYC"
BUY_KYC = "/buyStars"
BUY_PREMIUM = "/buyPremiumWithoutKYC"
BUY_PREMIUM_KYC = "/buyPremium"
ROUTES = frozenset({"/ping", BUY, BUY_KYC, BUY_PREMIUM, BUY_PREMIUM_KYC, "/getUserInfo", "/getOrders", "/getBalance"})
PREMIUM_MONTHS = (3, 6, 12)
_USERNAME = re.compile(r"@?[A-Za-z0-9_]{5,32}")
_MIN_STARS = 50
_PROCESSING_ERROR = "Error while processing order"
_Answer = tuple[int, dict[str, Any]]


class _Fault(Enum):
    FAIL_BEFORE = "fail before recording"
    FAIL_AFTER = "fail after recording"
    REFUSE = "200 with success false"
    SLOW = "answer late"
    DROP = "drop the connection"
    GARBLE = "200 that is not JSON"


@attrs.frozen(kw_only=True)
class FakeOrder:
    """Stars (``amount``) or Telegram Premium (``duration`` in months), never both."""

    ref_id: str
    username: str
    amount: int | None
    cost: Decimal
    txid: str
    created_at: datetime
    duration: int | None = None


def _error(status: int, message: str) -> _Answer:
    return status, {"success": False, "message": message}


def _encode_number(value: object) -> float:
    if isinstance(value, Decimal):
        return float(value)  # the real service sends TON amounts as JSON floats
    msg = f"cannot encode {type(value).__name__}"
    raise TypeError(msg)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _has(body: dict[str, Any], **types: type) -> bool:
    """Every named field is present with its type (an ``int`` is never a ``bool``)."""
    return all(
        _is_int(body.get(key)) if kind is int else isinstance(body.get(key), kind) for key, kind in types.items()
    )


def _names(names: Iterable[str]) -> set[str]:
    return {name.casefold() for name in names}


@attrs.define(kw_only=True)
class FakeFragment:
    seed: str = attrs.field(repr=False)
    cookies: str | None = attrs.field(default=None, repr=False)
    users: set[str] = attrs.field(factory=set, converter=_names)
    balance: Decimal = Decimal("100")
    price_per_star: Decimal = Decimal("0.0156")
    premium_prices: dict[int, Decimal] = attrs.field(
        factory=lambda: {3: Decimal("3.9"), 6: Decimal("5.2"), 12: Decimal("9.4")}
    )  # TON
    timestamps: Literal["iso", "unix"] = "iso"
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    orders: list[FakeOrder] = attrs.field(factory=list)
    calls: Counter[str] = attrs.field(factory=Counter)
    last_body: dict[str, dict[str, Any]] = attrs.field(factory=dict, repr=False)  # holds the secrets
    url: str = attrs.field(default="", init=False)
    _faults: defaultdict[str, deque[tuple[_Fault, float, str]]] = attrs.field(
        factory=lambda: defaultdict(deque), init=False
    )
    _server: asyncio.Server | None = attrs.field(default=None, init=False)
    _tasks: set[asyncio.Task[Any]] = attrs.field(factory=set, init=False)

    # --- test controls: each one applies to the next ``times`` calls of ``route``

    def fail(
        self, route: str, *, times: int = 1, after_recording: bool = False, message: str = _PROCESSING_ERROR
    ) -> None:
        self._add(route, _Fault.FAIL_AFTER if after_recording else _Fault.FAIL_BEFORE, times, message=message)

    def refuse(self, route: str, *, times: int = 1, message: str = "Purchase is not available") -> None:
        self._add(route, _Fault.REFUSE, times, message=message)

    def answer_slowly(self, route: str, *, seconds: float, times: int = 1) -> None:
        """The call is processed (an order recorded) at once; its answer is sent ``seconds`` later."""
        self._add(route, _Fault.SLOW, times, seconds=seconds)

    def drop_connection(self, route: str, *, times: int = 1) -> None:
        """The call is processed, then the connection is closed without an answer."""
        self._add(route, _Fault.DROP, times)

    def garble(self, route: str, *, times: int = 1) -> None:
        """The call is processed, then answered 200 with a body that is not JSON."""
        self._add(route, _Fault.GARBLE, times)

    def add_order(
        self,
        username: str,
        amount: int | None = None,
        *,
        months: int | None = None,
        created_at: datetime | None = None,
        cost: Decimal | None = None,
    ) -> FakeOrder:
        """An order of ``amount`` stars, or (``months``) of Telegram Premium, as if it had been bought."""
        if (amount is None) == (months is None):
            msg = "an order is of stars (amount) or of Premium (months), not both or neither"
            raise ValueError(msg)
        number = len(self.orders) + 1
        if cost is None:
            cost = amount * self.price_per_star if amount is not None else self.premium_prices[months or 0]
        order = FakeOrder(
            ref_id=f"Ref#{number:010d}",
            username=username.lstrip("@"),
            amount=amount,
            duration=months,
            cost=cost,
            txid=hashlib.sha256(f"fake-fragment-{number}".encode()).hexdigest(),
            created_at=created_at or self.clock(),
        )
        self.orders.append(order)
        return order

    def _add(self, route: str, fault: _Fault, times: int, *, seconds: float = 0.0, message: str = "") -> None:
        if route not in ROUTES:
            msg = f"the fake serves no route {route!r}"
            raise ValueError(msg)
        self._faults[route].extend([(fault, seconds, message)] * times)

    # --- server

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        """Serve on a free port of 127.0.0.1 and yield the base URL."""
        await self.start()
        try:
            yield self.url
        finally:
            await self.stop()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            request = await _read_request(reader)
            response = await self._respond(*request) if request is not None else None
            if response is not None:
                writer.write(response)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()
            if task is not None:
                self._tasks.discard(task)

    async def _respond(self, method: str, path: str, raw: bytes) -> bytes | None:
        self.calls[path] += 1
        queue = self._faults[path] if path in ROUTES else deque()
        fault, seconds, message = queue.popleft() if queue else (None, 0.0, "")
        if fault is _Fault.FAIL_BEFORE:
            return _http(*_error(500, message))
        if fault is _Fault.REFUSE:
            return _http(*_error(200, message))
        status, payload = self._handle(method, path, raw)
        if fault is _Fault.FAIL_AFTER:
            return _http(*_error(500, message))
        if fault is _Fault.SLOW:
            await asyncio.sleep(seconds)
        if fault is _Fault.DROP:
            return None
        if fault is _Fault.GARBLE:
            return _http(200, b"<html>502 Bad Gateway</html>")
        return _http(status, payload)

    # --- the service

    def _handle(self, method: str, path: str, raw: bytes) -> _Answer:
        if path not in ROUTES:
            return _error(404, "Not Found")
        if path == "/ping":
            return (200, {"success": True, "message": "pong"}) if method == "GET" else _error(405, "Method Not Allowed")
        if method != "POST":
            return _error(405, "Method Not Allowed")
        try:
            body = json.loads(raw)
        except ValueError:
            return _error(422, "Validation error")
        if not isinstance(body, dict):
            return _error(422, "Validation error")
        self.last_body[path] = body
        handlers: dict[str, Callable[[dict[str, Any]], _Answer]] = {
            BUY: self._buy,
            BUY_KYC: self._buy,
            BUY_PREMIUM: self._buy_premium,
            BUY_PREMIUM_KYC: self._buy_premium,
            "/getUserInfo": self._user_info,
            "/getOrders": self._orders,
            "/getBalance": self._balance,
        }
        return handlers[path](body)

    def _buy(self, body: dict[str, Any]) -> _Answer:
        kyc = "fragment_cookies" in body
        if not _has(body, username=str, amount=int, seed=str) or body["amount"] < _MIN_STARS:
            return _error(422, "Validation error")
        if kyc and not isinstance(body.get("show_sender", False), bool):
            return _error(422, "Validation error")
        if not self._seed_ok(body) or (kyc and not self._cookies_ok(body)):
            return _error(400, "Invalid format for fragment_cookies or seed")
        refusal = self._recipient_refusal(body["username"])
        if refusal is not None:
            return refusal
        cost = body["amount"] * self.price_per_star
        if cost > self.balance:
            return _error(400, "Insufficient balance")
        self.balance -= cost
        order = self.add_order(body["username"], body["amount"], cost=cost)
        return 200, {
            "success": True,
            "message": "Stars purchased successfully",
            "amount": order.amount,
            "username": order.username,
            "ref_id": order.ref_id,
            "cost": order.cost,
            "transaction_hash": order.txid,
        }

    def _buy_premium(self, body: dict[str, Any]) -> _Answer:
        kyc = "fragment_cookies" in body
        if not _has(body, username=str, duration=int, seed=str) or body["duration"] not in PREMIUM_MONTHS:
            return _error(422, "Validation error")
        if kyc and not isinstance(body.get("show_sender", False), bool):
            return _error(422, "Validation error")
        if not self._seed_ok(body) or (kyc and not self._cookies_ok(body)):
            return _error(400, "Invalid format for fragment_cookies or seed")
        refusal = self._recipient_refusal(body["username"])
        if refusal is not None:
            return refusal
        cost = self.premium_prices[body["duration"]]
        if cost > self.balance:
            return _error(400, "Insufficient balance")
        self.balance -= cost
        order = self.add_order(body["username"], months=body["duration"], cost=cost)
        return 200, {
            "success": True,
            "message": "Premium purchased successfully",
            "duration": order.duration,
            "username": order.username,
            "ref_id": order.ref_id,
            "cost": order.cost,
            "transaction_hash": order.txid,
        }

    def _user_info(self, body: dict[str, Any]) -> _Answer:
        if not _has(body, username=str, fragment_cookies=str):
            return _error(422, "Validation error")
        if not self._cookies_ok(body):
            return _error(400, "Invalid format for fragment_cookies or seed")
        refusal = self._recipient_refusal(body["username"])
        if refusal is not None:
            return refusal
        name = body["username"].lstrip("@")
        return 200, {"success": True, "found": True, "username": name, "name": name.title(), "photo": None}

    def _orders(self, body: dict[str, Any]) -> _Answer:
        limit, offset = body.get("limit", 10), body.get("offset", 0)
        valid_page = _is_int(limit) and _is_int(offset) and 1 <= limit <= 100 and offset >= 0
        if not _has(body, seed=str) or not valid_page:
            return _error(422, "Validation error")
        if not self._seed_ok(body):
            return _error(400, "Invalid format for fragment_cookies or seed")
        newest_first = sorted(self.orders, key=lambda order: (order.created_at, order.ref_id), reverse=True)
        return 200, {"success": True, "orders": [self._row(order) for order in newest_first[offset : offset + limit]]}

    def _balance(self, body: dict[str, Any]) -> _Answer:
        if not _has(body, seed=str):
            return _error(422, "Validation error")
        if not self._seed_ok(body):
            return _error(400, "Invalid format for fragment_cookies or seed")
        return 200, {"success": True, "balance": self.balance}

    def _recipient_refusal(self, username: str) -> _Answer | None:
        if not _USERNAME.fullmatch(username):
            return _error(400, "Invalid username format")
        if username.lstrip("@").casefold() not in self.users:
            return _error(404, "User not found")
        return None

    def _row(self, order: FakeOrder) -> dict[str, Any]:
        created = order.created_at.isoformat() if self.timestamps == "iso" else int(order.created_at.timestamp())
        row = attrs.asdict(order) | {"created_at": created}
        del row["amount" if order.duration is not None else "duration"]  # a Premium order has no amount of stars
        return row

    def _seed_ok(self, body: dict[str, Any]) -> bool:
        return _decodes_to(body.get("seed"), self.seed)

    def _cookies_ok(self, body: dict[str, Any]) -> bool:
        return self.cookies is not None and _decodes_to(body.get("fragment_cookies"), self.cookies)


def _decodes_to(value: object, expected: str) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return base64.b64decode(value, validate=True).decode().strip() == expected.strip()
    except (binascii.Error, UnicodeDecodeError):
        return False


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes] | None:
    line = await reader.readline()
    parts = line.decode("latin-1").split()
    if len(parts) != 3:
        return None
    length = 0
    while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return parts[0], parts[1].split("?", 1)[0], body


def _http(status: int, payload: dict[str, Any] | bytes) -> bytes:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, default=_encode_number).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body
