"""Request ids and HTTP metrics (an ASGI middleware), ``/metrics``, and ``/health/ready``'s checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Litestar, Response, get
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from starshop.entrypoints.observability import (
    Metrics,
    MetricsRefresh,
    Readiness,
    ReadinessCheck,
    new_request_id,
    request_id,
)

__all__ = ["MetricsRefresh", "Readiness", "ReadinessCheck", "metrics_endpoint", "observe", "observed", "ready"]
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the one route label of every path no handler serves (404, 405): no label per made-up path


def observed(app: Litestar, metrics: Metrics) -> Litestar:
    """``app`` with request ids and HTTP metrics on every request, routed or not.

    Litestar runs its ``middleware`` only for requests a handler matched, so a 404 would go unseen; this wraps the
    app's ASGI handler instead, the place Litestar itself puts its CORS and OpenTelemetry wrappers."""
    app.asgi_handler = observe(metrics)(app.asgi_handler)
    return app


def observe(metrics: Metrics) -> Callable[[ASGIApp], ASGIApp]:
    def middleware(app: ASGIApp) -> ASGIApp:
        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            headers = dict(scope.get("headers") or [])
            rid = new_request_id(headers.get(b"x-request-id", b"").decode("latin-1") or None)
            token = request_id.set(rid)
            status = 500
            started = time.perf_counter()

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
                await send(message)

            try:
                await app(scope, receive, send_with_id)
            finally:
                route = str(scope.get("path_template") or UNMATCHED)
                method = str(scope.get("method", ""))
                method = method if method in METHODS else "other"
                metrics.http_requests.labels(method, route, str(status)).inc()
                metrics.http_latency.labels(method, route).observe(time.perf_counter() - started)
                request_id.reset(token)

        return handle

    return middleware


@get("/metrics", include_in_schema=False)
@inject
async def metrics_endpoint(metrics: FromDishka[Metrics], refresh: FromDishka[MetricsRefresh]) -> Response[bytes]:
    await refresh()
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


@get("/health/ready", include_in_schema=False)
@inject
async def ready(readiness: FromDishka[Readiness]) -> Response[dict[str, Any]]:
    """Database reachable and migrated to head, Redis answering, no circuit open."""
    ok, checks = await readiness.run()
    return Response({"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503)
