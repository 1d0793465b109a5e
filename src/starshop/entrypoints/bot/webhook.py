"""Webhook mode through Litestar: ``POST /webhooks/telegram``.

- Telegram's ``X-Telegram-Bot-Api-Secret-Token`` is checked: missing -> 401, wrong -> 403; a body that is not a JSON
  update -> 400.
- The update is handled *before* the answer (not aiogram's background handling, which loses updates on a crash):
  200 means handled; an unexpected failure answers 500 so Telegram delivers it again.
- A repeated ``update_id`` is not handled twice (``UpdateDeduplicator``): in this process, and across instances
  when it is given the shared ``Cache`` (an atomic set-if-absent on Redis). A duplicate that arrives while another
  instance is handling the update waits for that outcome; if the other instance fails, this one handles it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from litestar import Litestar, Request, Response, post
from litestar.handlers import HTTPRouteHandler
from pydantic import ValidationError

from starshop.application.ports import Cache

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
log = logging.getLogger(__name__)


class UpdateDeduplicator:
    """Remembers the last ``size`` update ids. ``claim`` says whether this caller should handle the update; a
    duplicate that arrives while the first is still being handled waits for its outcome.

    With ``shared`` (the ``Cache`` port), instances agree through ``<update>: in-flight`` (expiring after
    ``in_flight_ttl``, so a crashed instance does not hold an update forever) and ``<update>: done``.
    """

    def __init__(
        self,
        size: int = 10_000,
        *,
        shared: Cache | None = None,
        in_flight_ttl: float = 60.0,
        done_ttl: float = 86_400.0,
        wait: float = 20.0,
    ) -> None:
        self._size = size
        self._done: OrderedDict[int, None] = OrderedDict()
        self._in_flight: dict[int, asyncio.Future[bool]] = {}
        self._shared = shared
        self._in_flight_ttl, self._done_ttl, self._wait = in_flight_ttl, done_ttl, wait

    async def claim(self, update_id: int) -> bool | asyncio.Future[bool]:
        """``True``: handle it. ``False``: handled already. A future: being handled now, await its outcome."""
        if update_id in self._done:
            return False
        if update_id in self._in_flight:
            return self._in_flight[update_id]
        future = asyncio.get_running_loop().create_future()
        self._in_flight[update_id] = future
        try:
            mine = self._shared is None or await self._claim_shared(update_id)
        except BaseException:  # no answer from the other instances: nobody here holds the update
            self._in_flight.pop(update_id, None)
            future.set_result(False)
            raise
        if not mine:
            self._in_flight.pop(update_id, None)
            future.set_result(True)
            self._remember(update_id)
            return False
        return True

    async def _claim_shared(self, update_id: int) -> bool:
        """True when this instance must handle the update; False when another one did."""
        assert self._shared is not None
        key = f"tg:update:{update_id}"
        deadline = asyncio.get_running_loop().time() + self._wait
        while True:
            if await self._shared.add(key, "in-flight", ttl=self._in_flight_ttl):
                return True
            if await self._shared.get(key) == "done":
                return False
            if asyncio.get_running_loop().time() >= deadline:
                msg = f"update {update_id} is still being handled elsewhere"
                raise TimeoutError(msg)
            await asyncio.sleep(0.1)

    async def finish(self, update_id: int, *, handled: bool) -> None:
        future = self._in_flight.pop(update_id, None)
        if self._shared is not None:
            key = f"tg:update:{update_id}"
            if handled:
                await self._shared.set(key, "done", ttl=self._done_ttl)
            else:
                await self._shared.delete(key)
        if handled:
            self._remember(update_id)
        if future is not None and not future.done():
            future.set_result(handled)

    def _remember(self, update_id: int) -> None:
        self._done[update_id] = None
        while len(self._done) > self._size:
            self._done.popitem(last=False)


def telegram_webhook_handler(
    dp: Dispatcher,
    bot: Bot,
    secret_token: str,
    *,
    path: str = "/webhooks/telegram",
    deduplicator: UpdateDeduplicator | None = None,
) -> HTTPRouteHandler:
    """A Litestar route handler feeding Telegram's updates to ``dp``; mount it with ``route_handlers=[...]`` and
    start the Dispatcher with ``telegram_lifespan(dp, bot)``."""
    if not secret_token:
        msg = "a webhook needs a secret token"
        raise ValueError(msg)
    dedup = deduplicator or UpdateDeduplicator()
    expected = secret_token.encode()

    @post(path, status_code=200, include_in_schema=False)
    async def telegram_webhook(request: Request[Any, Any, Any]) -> Response[dict[str, bool]]:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return Response({"ok": False}, status_code=401)
        if not secrets.compare_digest(given.encode(), expected):
            return Response({"ok": False}, status_code=403)
        try:  # not JSON, not UTF-8, or not an update: 400 (Telegram never sends one; nothing is handled)
            update = Update.model_validate(json.loads(await request.body()), context={"bot": bot})
        except (ValueError, ValidationError):
            return Response({"ok": False}, status_code=400)
        try:
            claim = await dedup.claim(update.update_id)
        except TimeoutError:
            return Response({"ok": False}, status_code=503)  # Telegram delivers it again later
        if claim is False:
            return Response({"ok": True})
        if claim is not True:
            return Response({"ok": True}) if await claim else Response({"ok": False}, status_code=500)
        handled = False
        try:
            await dp.feed_update(bot, update)
            handled = True
        except Exception:
            log.exception("update %s was not handled; Telegram will deliver it again", update.update_id)
            return Response({"ok": False}, status_code=500)
        finally:  # also when the request is cancelled: a duplicate waiting on it must not wait forever
            await dedup.finish(update.update_id, handled=handled)
        return Response({"ok": True})

    return telegram_webhook


def telegram_lifespan(dp: Dispatcher, bot: Bot) -> Callable[..., AbstractAsyncContextManager[None]]:
    """The Dispatcher's startup (where dishka wraps the handlers) and shutdown: a Litestar lifespan hook, or a
    runtime piece called with no argument."""

    @asynccontextmanager
    async def lifespan(_: Litestar | None = None) -> AsyncIterator[None]:
        await dp.emit_startup(bot=bot, dispatcher=dp)
        try:
            yield
        finally:
            await dp.emit_shutdown(bot=bot, dispatcher=dp)

    return lifespan
