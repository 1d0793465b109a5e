"""Metrics (Prometheus), structured JSON logs carrying request and update ids, and timed port decorators."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)

from starshop.application.ports import (
    DeliveryOrder,
    DeliveryOutcome,
    EventPublisher,
    InvoiceRequest,
    PaymentGateway,
    PaymentNotification,
    ProviderOrder,
    RecipientCheck,
    StarDelivery,
)
from starshop.domain import DeliveryReceipt, Invoice
from starshop.domain.events import Event

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
update_id: ContextVar[int | None] = ContextVar("update_id", default=None)
T = TypeVar("T")


# Outbound calls and deliveries may take up to the provider's timeout (120 s by default).
SLOW_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class Metrics:
    """One registry per app (so tests and several apps in one process never collide), with the process's standard
    ``process_*`` and ``python_*`` collectors. Names follow Prometheus' rules: counters end in ``_total`` (the client
    adds it), durations are ``_seconds``; every label has a small, fixed set of values."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        for standard in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            r.register(standard)
        self.http_requests = Counter(
            "starshop_http_requests",
            "HTTP requests (unknown paths: route unmatched)",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "starshop_http_request_seconds", "HTTP request latency", ["method", "route"], registry=r
        )
        self.webhooks = Counter(
            "starshop_webhooks", "payment webhooks by gateway status and outcome", ["status", "outcome"], registry=r
        )
        self.events = Counter("starshop_events", "committed events handed on, by kind", ["kind"], registry=r)
        self.external = Histogram(
            "starshop_external_call_seconds",
            "outbound calls by service, call and result",
            ["service", "call", "result"],
            buckets=SLOW_BUCKETS,
            registry=r,
        )
        self.outbox_depth = Gauge("starshop_outbox_pending", "outbox messages not yet handed on", registry=r)
        self.outbox_lag = Gauge(
            "starshop_outbox_lag_seconds", "age of the oldest message not yet handed on", registry=r
        )
        self.outbox_quarantined = Gauge(
            "starshop_outbox_quarantined",
            "outbox messages set aside because this release cannot read them (listed for operators)",
            registry=r,
        )
        self.relayed = Counter(
            "starshop_outbox_relayed",
            "outbox messages the relay handed on (delivered) or kept for later (failed)",
            ["result"],
            registry=r,
        )
        self.queue_depth = Gauge("starshop_task_queue_depth", "background tasks waiting", registry=r)
        self.deliveries = Counter(
            "starshop_deliveries",
            "purchase calls to the provider by outcome (delivered, refused, unknown, error)",
            ["outcome"],
            registry=r,
        )
        self.delivery_tasks = Histogram(
            "starshop_delivery_task_seconds",
            "a delivery task from claim to recorded outcome, by claim result",
            ["claim"],
            buckets=SLOW_BUCKETS,
            registry=r,
        )
        self.breaker_state = Gauge(
            "starshop_circuit_breaker_state",
            "1 for the state each outbound service's circuit breaker is in",
            ["service", "state"],
            registry=r,
        )
        self.wallet = Gauge(
            "starshop_provider_wallet_balance", "the delivery provider's wallet balance, as last read", registry=r
        )
        self.wallet_floor = Gauge(
            "starshop_provider_wallet_floor", "star sales pause below this balance (STARSHOP_WALLET_FLOOR)", registry=r
        )
        self.bot_updates = Counter(
            "starshop_bot_updates",
            "bot messages and button presses by the handler that took them",
            ["handler"],
            registry=r,
        )
        self.bot_latency = Histogram(
            "starshop_bot_handler_seconds", "time in the bot's handlers", ["handler"], registry=r
        )
        self.bot_throttled = Counter(
            "starshop_bot_throttled", "bot messages and button presses dropped by the rate limiter", registry=r
        )

    async def timed(self, service: str, call: str, run: Callable[[], Awaitable[T]], result: Callable[[T], str]) -> T:
        started = time.perf_counter()
        outcome = "error"
        try:
            value = await run()
            outcome = result(value)
            return value
        finally:
            self.external.labels(service, call, outcome).observe(time.perf_counter() - started)


def _ok(_: object) -> str:
    return "ok"


class TimedPaymentGateway:
    def __init__(self, inner: PaymentGateway, metrics: Metrics) -> None:
        self.inner, self._m = inner, metrics

    async def create_invoice(self, request: InvoiceRequest) -> Invoice:
        return await self._m.timed("heleket", "create_invoice", lambda: self.inner.create_invoice(request), _ok)

    async def fetch_payment(self, order_id: str) -> PaymentNotification:
        return await self._m.timed("heleket", "payment_info", lambda: self.inner.fetch_payment(order_id), _ok)


class TimedStarDelivery:
    def __init__(self, inner: StarDelivery, metrics: Metrics) -> None:
        self.inner, self._m = inner, metrics

    async def check_recipient(self, username: str) -> RecipientCheck:
        return await self._m.timed(
            "fragment", "check_recipient", lambda: self.inner.check_recipient(username), lambda r: r.value
        )

    async def deliver(self, order: DeliveryOrder) -> DeliveryOutcome:
        outcome = "error"

        def named(result: DeliveryOutcome) -> str:
            nonlocal outcome
            outcome = type(result).__name__.lower()
            return outcome

        try:
            return await self._m.timed("fragment", "deliver", lambda: self.inner.deliver(order), named)
        finally:
            self._m.deliveries.labels(outcome).inc()

    async def find_order(
        self, order: DeliveryOrder, *, until: datetime, exclude_refs: frozenset[str] = frozenset()
    ) -> DeliveryReceipt | None:
        return await self._m.timed(
            "fragment",
            "find_order",
            lambda: self.inner.find_order(order, until=until, exclude_refs=exclude_refs),
            lambda r: "found" if r else "not_found",
        )

    async def order_history(self, *, since: datetime, until: datetime) -> list[ProviderOrder]:
        return await self._m.timed(
            "fragment", "order_history", lambda: self.inner.order_history(since=since, until=until), _ok
        )

    async def wallet_balance(self) -> Decimal | None:
        balance = await self._m.timed("fragment", "wallet_balance", self.inner.wallet_balance, _ok)
        if balance is not None:
            self._m.wallet.set(float(balance))  # a gauge for the dashboard; the money itself stays Decimal
        return balance


class CountingPublisher:
    """Every committed event passes here once per hand-over: purchases and payments by outcome."""

    def __init__(self, inner: EventPublisher, metrics: Metrics) -> None:
        self.inner, self._m = inner, metrics

    async def publish(self, event: Event) -> None:
        self._m.events.labels(event.kind).inc()
        await self.inner.publish(event)

    async def publish_many(self, events: Sequence[Event]) -> None:
        for event in events:
            self._m.events.labels(event.kind).inc()
        await self.inner.publish_many(events)


_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request or update id when there is one, and the
    fields a call gave with ``extra=`` (numbers and words, never object reprs)."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (rid := request_id.get()) is not None:
            data["request_id"] = rid
        if (uid := update_id.get()) is not None:
            data["update_id"] = uid
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in data:
                data[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure_logging(level: str, *, json_lines: bool) -> None:
    handler = logging.StreamHandler()
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("alembic", "httpx", "aiogram.event"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    for server in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(server).handlers[:] = []
        logging.getLogger(server).propagate = True


def new_request_id(given: str | None) -> str:
    if given and len(given) <= 64 and given.replace("-", "").isalnum():
        return given
    return uuid.uuid4().hex


ReadinessCheck = Callable[[], Awaitable[tuple[bool, str]]]


class Readiness:
    """Named checks; ready when all pass. Each answers ``(ok, detail)`` and never raises."""

    def __init__(self, checks: dict[str, ReadinessCheck] | None = None) -> None:
        self.checks = dict(checks or {})

    async def run(self) -> tuple[bool, dict[str, dict[str, Any]]]:
        results: dict[str, dict[str, Any]] = {}
        for name, check in self.checks.items():
            try:
                ok, detail = await check()
            except Exception as exc:
                ok, detail = False, f"{type(exc).__name__}: {exc}"
            results[name] = {"ok": ok, "detail": detail}
        return all(r["ok"] for r in results.values()), results


class MetricsRefresh:
    """Gauges read on scrape: outbox depth and lag, task queue depth."""

    def __init__(self, *probes: Callable[[], Awaitable[None]]) -> None:
        self._probes = probes

    async def __call__(self) -> None:
        for probe in self._probes:
            try:
                await probe()
            except Exception:
                continue
