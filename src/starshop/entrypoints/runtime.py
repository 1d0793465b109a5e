"""The runtime pieces a runner composes: each is an async context manager that starts on enter and has stopped
(and released what it holds) on exit. ``starshop run``/``web`` give them to Litestar as lifespans; ``worker`` and
``bot`` enter them (``running``) around their foreground job. Exit runs in reverse order, so list what others use
first (the container, the bot's session), then what uses it (the worker, the poller)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, contextmanager

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
