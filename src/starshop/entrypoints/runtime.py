"""The runtime pieces a runner composes: each is an async context manager that starts on enter and has stopped
(and released what it holds) on exit. ``starshop run``/``web`` give them to Litestar as lifespans; ``worker`` and
``bot`` enter them (``running``) around their foreground job. Exit runs in reverse order, so list what others use
first (the container, the bot's session), then what uses it (the worker, the poller)."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, contextmanager

import uvicorn
from dishka import AsyncContainer

log = logging.getLogger("starshop.runtime")

Piece = Callable[[], AbstractAsyncContextManager[None]]
"""Makes a fresh context manager on each call (an ``@asynccontextmanager`` object cannot be entered twice)."""
Step = Callable[[], Awaitable[None] | None]


def _report_failure(task: asyncio.Task[None]) -> None:
    """A background loop that ends with an error is said at once, not at shutdown (the rest goes on serving)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s stopped", task.get_name(), exc_info=task.exception())


async def _logged(step: Step) -> None:
    try:
        result = step()
        if result is not None:
            await result
    except Exception:
        log.exception("shutdown step %s failed", getattr(step, "__qualname__", step))


@asynccontextmanager
async def in_background(name: str, run: Callable[[], Awaitable[None]], stop: Step) -> AsyncIterator[None]:
    """``run`` as a task from enter to exit; at exit ``stop`` asks it to end (a failing stop is logged and the
    rest goes on), then it is awaited."""

    async def work() -> None:
        await run()

    task = asyncio.create_task(work(), name=name)
    task.add_done_callback(_report_failure)
    try:
        yield
    finally:
        await _logged(stop)
        await asyncio.gather(task, return_exceptions=True)


@asynccontextmanager
async def closing(close: Step) -> AsyncIterator[None]:
    """Nothing on enter; ``close`` on exit (logged if it fails)."""
    try:
        yield
    finally:
        await _logged(close)


def container_piece(container: AsyncContainer) -> Piece:
    return lambda: closing(container.close)


@asynccontextmanager
async def running(pieces: Sequence[Piece]) -> AsyncIterator[None]:
    """Every piece entered in order and left in reverse."""
    async with AsyncExitStack() as stack:
        for piece in pieces:
            await stack.enter_async_context(piece())
        yield


@contextmanager
def stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """SIGINT and SIGTERM call ``stop`` while inside (the foreground job of ``starshop worker``)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        yield
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


class CannotListen(Exception):
    """The address a piece must serve on is taken or not ours (one line, said at start)."""


class _Server(uvicorn.Server):
    """uvicorn inside a process that handles its own signals: uvicorn's handlers would take SIGTERM from the
    worker's loop (and aiogram's) and stop only this server."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def served(name: str, app: object, host: str, port: int) -> AsyncIterator[None]:
    """``app`` (ASGI) served by uvicorn on ``host:port`` from enter to exit (port 0: a free one, logged). The port
    is bound on enter, so a taken one fails the start, not some later moment."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)  # connections wait in the backlog until uvicorn takes them
    except OSError as exc:
        sock.close()
        msg = f"{name} cannot listen on {host}:{port}: {exc.strerror or exc}"
        raise CannotListen(msg) from None
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_config=None, access_log=False, proxy_headers=False)  # type: ignore[arg-type]
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=name)
    task.add_done_callback(_report_failure)
    try:
        log.info("%s on http://%s:%s", name, host, bound, extra={"port": bound})
        yield
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
        sock.close()
