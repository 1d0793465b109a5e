"""Background tasks in this process: an asyncio queue and a worker loop. Lost if the process dies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

import attrs

logger = logging.getLogger(__name__)

Handlers = Mapping[str, Callable[[str], Awaitable[None]]]
"""task name -> coroutine function called with the transaction id."""


async def dispatch(handlers: Handlers, task: str, tx_id: str) -> None:
    """Run one task; a missing handler or a failing one is logged, never raised (the worker goes on)."""
    handler = handlers.get(task)
    if handler is None:
        logger.error("no handler for task %r (tx %s); dropped", task, tx_id)
        return
    try:
        await handler(tx_id)
    except Exception:
        logger.exception("task %r for tx %s failed", task, tx_id)


@attrs.define
class InProcessTaskQueue:
    _queue: asyncio.Queue[tuple[str, str]] = attrs.field(factory=asyncio.Queue, init=False)
    _stopping: asyncio.Event = attrs.field(factory=asyncio.Event, init=False)

    async def enqueue(self, task: str, tx_id: str) -> None:
        self._queue.put_nowait((task, tx_id))

    async def run(self, handlers: Handlers) -> None:
        """Work until ``stop()`` (called before or during the run); the task in hand is finished first."""
        try:
            while not self._stopping.is_set():
                item = await self._next()
                if item is None:
                    return
                try:
                    await dispatch(handlers, *item)
                finally:
                    self._queue.task_done()
        finally:
            self._stopping.clear()

    def stop(self) -> None:
        self._stopping.set()

    async def join(self) -> None:
        """Wait until every enqueued task has been handled."""
        await self._queue.join()

    def pending(self) -> int:
        return self._queue.qsize()

    def drain(self) -> list[tuple[str, str]]:
        """Take every waiting task out of the queue without running it, oldest first (what a test's worker or
        shutdown does by hand); each counts as handled for ``join()``."""
        taken = []
        while not self._queue.empty():
            taken.append(self._queue.get_nowait())
            self._queue.task_done()
        return taken

    async def _next(self) -> tuple[str, str] | None:
        if not self._queue.empty():
            return self._queue.get_nowait()
        getter = asyncio.ensure_future(self._queue.get())
        stopper = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            if not getter.done():
                getter.cancel()
        return getter.result() if getter.done() and not getter.cancelled() else None
