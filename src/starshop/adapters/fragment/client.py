"""The hosted Fragment service's v1 routes, as ``fragment-api-lib`` 1.x calls them, over ``httpx``.

Secrets travel base64-encoded in the request body; they are kept out of reprs, error messages and anything
the service echoes back. TON amounts are parsed as ``Decimal``, never as float.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs
import httpx

DEFAULT_BASE_URL = "https://api.fragment-api.net"
_HIDDEN = "***"


class FragmentUnavailable(Exception):
    """No usable answer (transport failure, timeout, 5xx, unreadable 2xx): the call may have been acted on."""


@attrs.frozen(kw_only=True)
class FragmentReply:
    """A 2xx or 4xx answer with a JSON body (an empty ``payload`` when a 4xx body is not a JSON object)."""

    status: int
    payload: Mapping[str, Any]

    @property
    def is_2xx(self) -> bool:
        return 200 <= self.status < 300

    @property
    def succeeded(self) -> bool:
        return self.is_2xx and self.payload.get("success") is True

    @property
    def message(self) -> str:
        text = self.payload.get("message")
        return text if isinstance(text, str) and text else f"HTTP {self.status}"


def _encode(secret: str) -> str:
    return base64.b64encode(secret.encode()).decode()


def _reject_constant(name: str) -> Any:
    msg = f"{name} is not a number"
    raise ValueError(msg)


def _check_seed(seed: str) -> str:
    words = seed.split()
    if len(words) not in (12, 24):
        msg = "the Fragment seed must be 12 or 24 words"
        raise ValueError(msg)
    return " ".join(words)


def _check_cookies(cookies: str | None) -> str | None:
    if cookies is not None and "stel_ssid=" not in cookies:
        msg = "Fragment cookies must be a Cookie header string with stel_ssid"
        raise ValueError(msg)
    return cookies.strip() if cookies is not None else None


@attrs.define(kw_only=True)
class FragmentClient:
    """One method per route; ``post`` raises ``FragmentUnavailable`` and otherwise returns the reply."""

    seed: str = attrs.field(repr=False, converter=_check_seed)
    cookies: str | None = attrs.field(default=None, repr=False, converter=_check_cookies)
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = 5.0
    read_timeout: float = 120.0
    lookup_timeout: float = 15.0
    _http: httpx.AsyncClient = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._http = httpx.AsyncClient(base_url=self.base_url.rstrip("/"), timeout=self._timeout(self.read_timeout))

    @property
    def has_cookies(self) -> bool:
        return self.cookies is not None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def buy_stars(self, username: str, amount: int) -> FragmentReply:
        body: dict[str, Any] = {"username": username, "amount": amount, "seed": _encode(self.seed)}
        if self.cookies is None:
            return await self._send("POST", "/buyStarsWithoutKYC", body, self.read_timeout)
        body |= {"fragment_cookies": _encode(self.cookies), "show_sender": False}
        return await self._send("POST", "/buyStars", body, self.read_timeout)

    async def buy_premium(self, username: str, months: int) -> FragmentReply:
        """Telegram Premium for ``months`` (3, 6 or 12, the body's ``duration``) given to ``username``."""
        body: dict[str, Any] = {"username": username, "seed": _encode(self.seed), "duration": months}
        if self.cookies is None:
            return await self._send("POST", "/buyPremiumWithoutKYC", body, self.read_timeout)
        body |= {"fragment_cookies": _encode(self.cookies), "show_sender": False}
        return await self._send("POST", "/buyPremium", body, self.read_timeout)

    async def get_user_info(self, username: str) -> FragmentReply:
        if self.cookies is None:
            msg = "getUserInfo needs Fragment cookies"
            raise ValueError(msg)
        body = {"username": username, "fragment_cookies": _encode(self.cookies)}
        return await self._send("POST", "/getUserInfo", body, self.lookup_timeout)

    async def get_orders(self, *, limit: int, offset: int) -> FragmentReply:
        body = {"seed": _encode(self.seed), "limit": limit, "offset": offset}
        return await self._send("POST", "/getOrders", body, self.lookup_timeout)

    async def get_balance(self) -> FragmentReply:
        return await self._send("POST", "/getBalance", {"seed": _encode(self.seed)}, self.lookup_timeout)

    async def ping(self) -> FragmentReply:
        return await self._send("GET", "/ping", None, self.lookup_timeout)

    async def _send(self, method: str, path: str, body: Mapping[str, Any] | None, read: float) -> FragmentReply:
        response = await self._exchange(method, path, body, read)
        if isinstance(response, str):
            raise FragmentUnavailable(response)
        payload = self._parse(response.text)
        reply = FragmentReply(status=response.status_code, payload=payload if payload is not None else {})
        if response.status_code >= 500:
            msg = f"{method} {path}: {reply.message} (HTTP {response.status_code})"
            raise FragmentUnavailable(msg)
        if reply.is_2xx and payload is None:
            msg = f"{method} {path}: HTTP {response.status_code} without a JSON object body"
            raise FragmentUnavailable(msg)
        return reply

    async def _exchange(
        self, method: str, path: str, body: Mapping[str, Any] | None, read: float
    ) -> httpx.Response | str:
        """The response, or what went wrong: an httpx error holds the request, and the request holds the
        secrets, so it is neither raised nor chained (not even as ``__context__``)."""
        try:
            return await self._http.request(method, path, json=body, timeout=self._timeout(read))
        except httpx.HTTPError as exc:
            return self._scrub(f"{method} {path}: {type(exc).__name__}: {exc}".rstrip(": "))

    def _parse(self, text: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._scrub(text), parse_float=Decimal, parse_constant=_reject_constant)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _scrub(self, text: str) -> str:
        for secret in (self.seed, self.cookies):
            if secret:
                text = text.replace(secret, _HIDDEN).replace(_encode(secret), _HIDDEN)
        return text

    def _timeout(self, read: float) -> httpx.Timeout:
        connect = self.connect_timeout
        return httpx.Timeout(connect=connect, read=read, write=connect, pool=connect)
