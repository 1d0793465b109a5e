"""``StarDelivery`` through the hosted Fragment service (v1, the one ``fragment-api-lib`` 1.x calls)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from starshop.adapters.fragment.client import DEFAULT_BASE_URL, FragmentClient, FragmentReply, FragmentUnavailable
from starshop.adapters.fragment.orders import OrderRow, as_decimal, as_utc, receipt_from, same_user
from starshop.adapters.resilience import CircuitBreaker, CircuitOpen, RetryPolicy, retrying
from starshop.application.ports.delivery import (
    Delivered,
    DeliveryLookupFailed,
    DeliveryOrder,
    DeliveryOutcome,
    ProviderOrder,
    RecipientCheck,
    Refused,
    Unknown,
)
from starshop.domain import DeliveryReceipt

REFUSING_STATUSES = frozenset({400, 404, 422})
MAX_PAGE = 100


def _is_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, FragmentUnavailable)


def _default_breaker() -> CircuitBreaker:
    return CircuitBreaker(name="fragment", counts=_is_unavailable)


@attrs.define(kw_only=True)
class HttpxFragmentDelivery:
    """Stars through ``/buyStars(WithoutKYC)``, Telegram Premium through ``/buyPremium(WithoutKYC)`` (with cookies:
    the KYC route). The purchase is one blocking call without an idempotency key, so ``deliver`` is never retried: an
    unclear answer is ``Unknown`` and ``find_order`` settles it. Lookups are retried on transport errors and
    5xx. Every call passes one circuit breaker; an open circuit refuses a purchase without attempting it.
    """

    seed: str = attrs.field(repr=False)
    cookies: str | None = attrs.field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = 5.0
    read_timeout: float = 120.0
    lookup_timeout: float = 15.0
    lookup_retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    breaker: CircuitBreaker = attrs.field(factory=_default_breaker)
    clock_skew: timedelta = timedelta(minutes=2)
    page_size: int = attrs.field(default=MAX_PAGE, validator=attrs.validators.in_(range(1, MAX_PAGE + 1)))
    max_pages: int = 50
    _client: FragmentClient = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._client = FragmentClient(
            seed=self.seed,
            cookies=self.cookies,
            base_url=self.base_url,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            lookup_timeout=self.lookup_timeout,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def check_recipient(self, username: str) -> RecipientCheck:
        if not self._client.has_cookies:
            return RecipientCheck.UNCHECKED
        try:
            reply = await self._lookup(lambda: self._client.get_user_info(username))
        except (FragmentUnavailable, CircuitOpen):
            return RecipientCheck.UNCHECKED
        if reply.status == 404 or (reply.succeeded and reply.payload.get("found") is False):
            return RecipientCheck.NOT_FOUND
        if reply.succeeded and reply.payload.get("found") is True:
            return RecipientCheck.FOUND
        return RecipientCheck.UNCHECKED

    async def deliver(self, order: DeliveryOrder) -> DeliveryOutcome:
        try:
            async with self.breaker.guard():
                reply = await self._buy(order)
        except CircuitOpen as exc:
            return Refused(reason=f"not attempted: {exc}")
        except FragmentUnavailable as exc:
            return Unknown(reason=str(exc))
        return _outcome(reply)

    async def _buy(self, order: DeliveryOrder) -> FragmentReply:
        if order.months is not None:
            return await self._client.buy_premium(order.recipient, order.months)
        if order.stars is None:
            msg = f"order {order.purchase_id} buys neither stars nor Premium"
            raise ValueError(msg)
        return await self._client.buy_stars(order.recipient, order.stars)

    async def find_order(
        self, order: DeliveryOrder, *, until: datetime, exclude_refs: frozenset[str] = frozenset()
    ) -> DeliveryReceipt | None:
        since, latest = as_utc(order.started_at) - self.clock_skew, as_utc(until) + self.clock_skew
        offset = 0
        for _ in range(self.max_pages):
            rows = await self._orders_page(offset=offset)
            parsed = [row for row in map(OrderRow.from_payload, rows) if row is not None]
            for row in parsed:
                if (
                    same_user(row.username, order.recipient)
                    and order.same_item(row.amount, row.months)
                    and since <= row.created_at <= latest
                    and row.receipt.ref_id not in exclude_refs
                ):
                    return row.receipt
            # Newest first: past the window, or past the end. A short page is not the end, as the service
            # may serve fewer rows than asked.
            if not rows or any(row.created_at < since for row in parsed):
                return None
            offset += len(rows)
        msg = f"no answer within {self.max_pages} pages of orders"
        raise DeliveryLookupFailed(msg)

    async def order_history(self, *, since: datetime, until: datetime) -> list[ProviderOrder]:
        """Every order of the window, once: a row seen again on a later page (orders placed while paging shift the
        pages) counts once; a row that cannot be read fails the lookup, as an audit must not pass over an order."""
        since, until = as_utc(since), as_utc(until)
        found: dict[str, ProviderOrder] = {}
        offset = 0
        for _ in range(self.max_pages):
            rows = await self._orders_page(offset=offset)
            parsed = [OrderRow.from_payload(row) for row in rows]
            unreadable = [raw for raw, row in zip(rows, parsed, strict=True) if row is None]
            if unreadable:
                msg = f"getOrders returned {len(unreadable)} unreadable order rows, e.g. {unreadable[0]!r:.200}"
                raise DeliveryLookupFailed(msg)
            readable = [row for row in parsed if row is not None]
            for row in readable:
                if since <= row.created_at <= until:
                    found.setdefault(
                        row.receipt.ref_id,
                        ProviderOrder(
                            recipient=row.username,
                            stars=row.amount,
                            months=row.months,
                            created_at=row.created_at,
                            receipt=row.receipt,
                        ),
                    )
            if not rows or any(row.created_at < since for row in readable):
                return sorted(found.values(), key=lambda order: order.created_at, reverse=True)
            offset += len(rows)
        msg = f"the window is longer than {self.max_pages} pages of orders"
        raise DeliveryLookupFailed(msg)

    async def wallet_balance(self) -> Decimal | None:
        try:
            reply = await self._lookup(self._client.get_balance)
        except (FragmentUnavailable, CircuitOpen):
            return None
        return as_decimal(reply.payload.get("balance")) if reply.succeeded else None

    async def _orders_page(self, *, offset: int) -> list[object]:
        try:
            reply = await self._lookup(lambda: self._client.get_orders(limit=self.page_size, offset=offset))
        except (FragmentUnavailable, CircuitOpen) as exc:
            raise DeliveryLookupFailed(str(exc)) from exc
        orders = reply.payload.get("orders")
        if not reply.succeeded or not isinstance(orders, list):
            msg = f"getOrders: {reply.message}"
            raise DeliveryLookupFailed(msg)
        return orders

    async def _lookup(self, call: Callable[[], Awaitable[FragmentReply]]) -> FragmentReply:
        async with self.breaker.guard():
            async for attempt in retrying(self.lookup_retry, on=_is_unavailable):
                with attempt:
                    return await call()
        msg = "the retry loop ended without an attempt"
        raise FragmentUnavailable(msg)


def _outcome(reply: FragmentReply) -> DeliveryOutcome:
    if reply.succeeded:
        receipt = receipt_from(reply.payload, hash_key="transaction_hash")
        if receipt is None:
            return Unknown(reason="the service reported success without a ref_id")
        return Delivered(receipt=receipt)
    if reply.status in REFUSING_STATUSES or (reply.is_2xx and reply.payload.get("success") is False):
        return Refused(reason=reply.message)
    return Unknown(reason=f"unexpected answer: {reply.message} (HTTP {reply.status})")
