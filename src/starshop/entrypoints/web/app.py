"""``create_app``: the Litestar application, wired with dishka.

``background`` coroutines (the worker, the bot) start with the app and are stopped before the container closes.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from dishka import AsyncContainer
from dishka.integrations.litestar import setup_dishka
from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig
from litestar.types import ControllerRouterHandler

import starshop
from starshop.entrypoints.observability import Metrics
from starshop.entrypoints.web.api import API_ROUTES
from starshop.entrypoints.web.errors import EXCEPTION_HANDLERS
from starshop.entrypoints.web.heleket import heleket_webhook
from starshop.entrypoints.web.observability import metrics_endpoint, observe, ready
from starshop.entrypoints.web.sandbox import SANDBOX_ROUTES

Background = Callable[[], Coroutine[Any, Any, None]]


@get("/health/live", sync_to_thread=False)
def live() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok", "version": starshop.__version__}


def create_app(
    container: AsyncContainer,
    *,
    metrics: Metrics | None = None,
    sandbox: bool = False,
    background: Sequence[Background] = (),
    stop: Sequence[Callable[[], object]] = (),
    extra_routes: Sequence[ControllerRouterHandler] = (),
    lifespans: Sequence[Callable[[Litestar], AbstractAsyncContextManager[None]]] = (),
) -> Litestar:
    metrics = metrics or Metrics()

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(run()) for run in background]
        try:
            yield
        finally:
            for halt in stop:
                result = halt()
                if inspect.isawaitable(result):
                    await result
            await asyncio.gather(*tasks, return_exceptions=True)
            await container.close()

    routes: list[ControllerRouterHandler] = [live, ready, metrics_endpoint, heleket_webhook, *API_ROUTES, *extra_routes]
    if sandbox:
        routes += SANDBOX_ROUTES
    app = Litestar(
        route_handlers=routes,
        lifespan=[lifespan, *lifespans],
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[observe(metrics)],
        # Logging is the process's (text or JSON lines, see observability.configure_logging): Litestar's default
        # would replace the root handler with its own plain-text one behind a queue thread.
        logging_config=None,
        openapi_config=OpenAPIConfig(title="starshop", version=starshop.__version__, path="/api/v1/schema"),
    )
    setup_dishka(container, app)
    return app
