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

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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


class Metrics:
    """One registry per app (so tests and several apps in one process never collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "starshop_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.http_latency = Histogram(
            "starshop_http_request_seconds", "HTTP request latency", ["method", "route"], registry=self.registry
        )
        self.webhooks = Counter(
            "starshop_webhooks",
            "payment webhooks by gateway status and outcome",
            ["status", "outcome"],
            registry=self.registry,
        )
        self.events = Counter(
            "starshop_events", "committed events handed on, by kind", ["kind"], registry=self.registry
        )
        self.external = Histogram(
            "starshop_external_call_seconds",
            "outbound calls by service, call and result",
            ["service", "call", "result"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "starshop_outbox_pending", "outbox messages not yet handed on", registry=self.registry
        )
        self.outbox_lag = Gauge(
            "starshop_outbox_lag_seconds", "age of the oldest message not yet handed on", registry=self.registry
        )
        self.outbox_quarantined = Gauge(
            "starshop_outbox_quarantined",
            "outbox messages set aside because this release cannot read them (listed for operators)",
            registry=self.registry,
        )
        self.queue_depth = Gauge("starshop_task_queue_depth", "background tasks waiting", registry=self.registry)

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
        return await self._m.timed(
            "fragment", "deliver", lambda: self.inner.deliver(order), lambda o: type(o).__name__.lower()
        )

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
        return await self._m.timed("fragment", "wallet_balance", self.inner.wallet_balance, _ok)


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


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the request or update id when there is one."""

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
