"""``create_app``: the Litestar application, wired with dishka; the runtime pieces are its lifespans."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Literal

from dishka import AsyncContainer
from dishka.integrations.litestar import setup_dishka
from litestar import Litestar, get
from litestar.config.cors import CORSConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components
from litestar.types import ControllerRouterHandler
from msgspec import Struct

import starshop
from starshop.entrypoints.observability import Metrics
from starshop.entrypoints.runtime import Piece, container_piece
from starshop.entrypoints.web.api import API_ROUTES
from starshop.entrypoints.web.api.base import SECURITY_SCHEMES
from starshop.entrypoints.web.apidocs import SCHEMA_PATH, docs_assets, docs_page
from starshop.entrypoints.web.console import CONSOLE_ROUTES
from starshop.entrypoints.web.errors import EXCEPTION_HANDLERS
from starshop.entrypoints.web.heleket import heleket_webhook
from starshop.entrypoints.web.observability import metrics_endpoint, observed, ready
from starshop.entrypoints.web.openapi import document_errors
from starshop.entrypoints.web.sandbox import SANDBOX_ROUTES
from starshop.entrypoints.web.storefront import storefront_routes

CORS_REQUEST_HEADERS = ("Authorization", "Idempotency-Key", "X-API-Key", "Content-Type", "X-Request-ID")


class Live(Struct, kw_only=True):
    status: Literal["ok"] = "ok"
    version: str


@get("/health/live", sync_to_thread=False)
def live() -> Live:
    """The process is up and serving."""
    return Live(version=starshop.__version__)


def create_app(
    container: AsyncContainer,
    *,
    metrics: Metrics | None = None,
    sandbox: bool = False,
    routes: Sequence[ControllerRouterHandler] = (),
    pieces: Sequence[Piece] = (),
    cors_origins: Sequence[str] = (),
) -> Litestar:
    """``pieces`` (the worker, the bot: see ``entrypoints.runtime``) start with the app in order and stop in
    reverse before the container closes. ``cors_origins`` (``STARSHOP_CORS_ORIGINS``, checked there) are the only
    origins whose pages may call the API cross-origin; without any, CORS is off."""
    metrics = metrics or Metrics()
    lifespans = [_lifespan(piece) for piece in (container_piece(container), *pieces)]
    handlers: list[ControllerRouterHandler] = [*HEALTH_ROUTES, heleket_webhook, *API_ROUTES, *CONSOLE_ROUTES, *routes]
    handlers += [*storefront_routes(sandbox=sandbox), docs_assets()]
    if sandbox:
        handlers += SANDBOX_ROUTES
    app = Litestar(
        route_handlers=handlers,
        lifespan=lifespans,
        exception_handlers=EXCEPTION_HANDLERS,
        cors_config=cors(cors_origins),
        # Logging is the process's (text or JSON lines, see observability.configure_logging): Litestar's default
        # would replace the root handler with its own plain-text one behind a queue thread.
        logging_config=None,
        openapi_config=OpenAPIConfig(
            title="starshop",
            version=starshop.__version__,
            path=SCHEMA_PATH,
            render_plugins=[docs_page()],
            components=Components(security_schemes=dict(SECURITY_SCHEMES)),
        ),
    )
    setup_dishka(container, app)
    document_errors(app)
    return observed(app, metrics)


HEALTH_ROUTES: list[ControllerRouterHandler] = [live, ready, metrics_endpoint]


def create_health_app(container: AsyncContainer, *, metrics: Metrics) -> Litestar:
    """Health and metrics only, for the processes that serve no web app (``starshop worker``, ``starshop bot``):
    the same handlers as the web app's, on the same container and metrics."""
    app = Litestar(route_handlers=HEALTH_ROUTES, logging_config=None, openapi_config=None)
    setup_dishka(container, app)
    return observed(app, metrics)


def cors(origins: Sequence[str]) -> CORSConfig | None:
    """Exact origins only, never ``*``; no credentials (the API authenticates by header, never by cookie)."""
    if not origins:
        return None
    return CORSConfig(
        allow_origins=list(origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=list(CORS_REQUEST_HEADERS),
        expose_headers=["Idempotent-Replayed", "X-Request-ID"],
        allow_credentials=False,
    )


def _lifespan(piece: Piece) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    def hook(_: Litestar) -> AbstractAsyncContextManager[None]:
        return piece()

    return hook
