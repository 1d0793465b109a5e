"""``create_app``: the Litestar application, wired with dishka. Routes grow with the issues that add them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dishka import AsyncContainer
from dishka.integrations.litestar import setup_dishka
from litestar import Litestar, get

import starshop
from starshop.entrypoints.web.heleket import heleket_webhook


@get("/health/live", sync_to_thread=False)
def live() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok", "version": starshop.__version__}


@get("/health/ready", sync_to_thread=False)
def ready() -> dict[str, str]:
    """Ready to take traffic (the embedded stores are in-process, so ready as soon as it serves)."""
    return {"status": "ready"}


def create_app(container: AsyncContainer) -> Litestar:
    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await container.close()

    app = Litestar(route_handlers=[live, ready, heleket_webhook], lifespan=[lifespan])
    setup_dishka(container, app)
    return app
