"""``create_app``: the Litestar application, wired with dishka.

``background`` coroutines (the worker, the bot) start with the app and are stopped before the container closes.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Literal

from dishka import AsyncContainer
from dishka.integrations.litestar import setup_dishka
from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig
from litestar.types import ControllerRouterHandler
from msgspec import Struct

import starshop
from starshop.entrypoints.observability import Metrics
from starshop.entrypoints.web.api import API_ROUTES
from starshop.entrypoints.web.errors import EXCEPTION_HANDLERS
from starshop.entrypoints.web.heleket import heleket_webhook
from starshop.entrypoints.web.observability import metrics_endpoint, observe, ready
from starshop.entrypoints.web.sandbox import SANDBOX_ROUTES

Background = Callable[[], Coroutine[Any, Any, None]]
log = logging.getLogger("starshop.web")


class Live(Struct, kw_only=True):
    status: Literal["ok"] = "ok"
    version: str


@get("/health/live", sync_to_thread=False)
def live() -> Live:
    """The process is up and serving."""
    return Live(version=starshop.__version__)


def _report_failure(task: asyncio.Task[Any]) -> None:
    """A background loop that ends with an error is said at once, not at shutdown (the app goes on serving)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s stopped", task.get_coro(), exc_info=task.exception())


async def _call_logged(step: Callable[[], object]) -> None:
    try:
        result = step()
        if inspect.isawaitable(result):
            await result
    except Exception:
        log.exception("shutdown step %s failed", step)


def create_app(
    container: AsyncContainer,
    *,
    metrics: Metrics | None = None,
    sandbox: bool = False,
    background: Sequence[Background] = (),
    stop: Sequence[Callable[[], object]] = (),
    close: Sequence[Callable[[], object]] = (),
    extra_routes: Sequence[ControllerRouterHandler] = (),
    lifespans: Sequence[Callable[[Litestar], AbstractAsyncContextManager[None]]] = (),
) -> Litestar:
    metrics = metrics or Metrics()

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        """Background work starts with the app. At shutdown: ``stop`` tells it to end, it is awaited, then
        ``close`` releases what it used (a bot's HTTP session) and the container closes; one that fails is logged
        and the rest still run."""
        tasks = [asyncio.create_task(run()) for run in background]
        for task in tasks:
            task.add_done_callback(_report_failure)
        try:
            yield
        finally:
            for step in stop:
                await _call_logged(step)
            await asyncio.gather(*tasks, return_exceptions=True)
            for step in close:
                await _call_logged(step)
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
