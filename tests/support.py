"""Helpers every suite shares, always imported as ``from tests.support import ...``: free ports, serving an app,
waiting for a condition, the shared Redis and the settings of a shop on a fake Heleket. Fixtures (databases, the
two stacks, retries without waits) live in ``tests/conftest.py``; a suite's own helpers in its ``*_support.py``."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from litestar import Litestar

from starshop.entrypoints.settings import Secret, Settings
from starshop.testing.fakes import FakeHeleket

HOST = "127.0.0.1"
REDIS_URL = os.environ.get("STARSHOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
"""The machine's Redis, shared by every suite (each test under a prefix of its own)."""


def free_port(*, with_bus: bool = False) -> int:
    """A free port on 127.0.0.1; ``with_bus`` also wants port + 10000 free (a Redis cluster node's bus)."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            port = int(probe.getsockname()[1])
        if not with_bus:
            return port
        if port < 55_000 and _is_free(port + 10_000):
            return port
    msg = "no free port pair found"
    raise RuntimeError(msg)


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


@asynccontextmanager
async def serving(app: Litestar, port: int | None = None) -> AsyncIterator[str]:
    """Run the app under uvicorn on 127.0.0.1 for the duration of the block; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=HOST,
            port=port,
            log_level="warning",
            lifespan="on",
            proxy_headers=False,
            timeout_graceful_shutdown=5,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        await task


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float = 5.0, every: float = 0.02, what: str = "condition"
) -> None:
    """Wait until ``check()`` holds, asking every ``every`` seconds; fail the test after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            msg = f"{what} not reached within {within} s"
            raise AssertionError(msg)
        await asyncio.sleep(every)


def heleket_settings(fake: FakeHeleket, **values: Any) -> Settings:
    """A shop taking payments through the real Heleket adapter from ``fake``, with no rate limits; ``values`` set
    anything else (the stack, the port, the delivery...)."""
    values.setdefault("rate_limits", {})
    return Settings(
        heleket_merchant=fake.merchant_uuid,
        heleket_payment_key=Secret(fake.payment_key),
        heleket_url=fake.base_url,
        **values,
    )
