"""starshop's middlewares, on its own router only (so an embedding bot's handlers are left alone).

Order on each observer: metrics, language, then errors, then throttling, then the handler.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from dishka import AsyncContainer
from dishka.integrations.aiogram import CONTAINER_NAME

from starshop.adapters.telegram.i18n import pick_language, text
from starshop.application.config import ShopConfig
from starshop.application.ports import RateLimiter
from starshop.domain import DomainError
from starshop.entrypoints.bot.language import stored_user
from starshop.entrypoints.bot.replies import answer_callback, error_reply, say
from starshop.entrypoints.observability import Metrics, update_id

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class MetricsMiddleware(BaseMiddleware):
    """Counts and times each message and button press by the handler that took it (``menu.balance``): a fixed set
    of names, however many users and texts there are."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        container: AsyncContainer | None = data.get(CONTAINER_NAME)
        if container is None:
            return await handler(event, data)
        metrics = await container.get(Metrics)
        callback = getattr(data.get("handler"), "callback", None)
        name = f"{getattr(callback, '__module__', '?').rsplit('.', 1)[-1]}.{getattr(callback, '__name__', '?')}"
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            metrics.bot_updates.labels(name).inc()
            metrics.bot_latency.labels(name).observe(time.perf_counter() - started)


class LanguageMiddleware(BaseMiddleware):
    """Puts ``lang`` in the handler data: the language the user chose (with /lang or in the storefront, stored on
    their user row), else the user's Telegram language."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        lang = pick_language(user.language_code if user else None)
        container: AsyncContainer | None = data.get(CONTAINER_NAME)
        if user is not None and container is not None:
            stored = await stored_user(container, user.id)
            if stored is not None and stored.language:
                lang = pick_language(stored.language)
        data["lang"] = lang
        return await handler(event, data)


class ErrorMiddleware(BaseMiddleware):
    """The one error handler: a refusal by the rules becomes a localized reply chosen by its ``code``; anything
    unexpected is logged with the update and user ids, and the user is told something went wrong."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except DomainError as error:
            if not isinstance(event, Message | CallbackQuery):
                raise
            lang = data.get("lang", "en")
            container: AsyncContainer | None = data.get(CONTAINER_NAME)
            config = await container.get(ShopConfig) if container else None
            log.info("refused (%s) for user %s: %s", error.code, _user_id(data), error)
            await say(event, *error_reply(lang, error, config))
        except Exception:
            update: Update | None = data.get("event_update")
            log.exception(
                "unexpected error handling update %s from user %s",
                update.update_id if update else None,
                _user_id(data),
            )
            if isinstance(event, Message | CallbackQuery):
                await say(event, text(data.get("lang", "en"), "e_unexpected"))
        return None


class ThrottlingMiddleware(BaseMiddleware):
    """Counts every message and button press against the ``RateLimiter`` port (action ``message``).

    Over the limit the update is dropped, with a short notice at most once per ``notice_every`` seconds; a dropped
    button press is still answered (without a notice), so the client's spinner stops.
    """

    def __init__(self, *, notice_every: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._notice_every = notice_every
        self._clock = clock
        self._noticed: dict[int, float] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        container: AsyncContainer | None = data.get(CONTAINER_NAME)
        if user is None or container is None:
            return await handler(event, data)
        limiter = await container.get(RateLimiter)
        if await limiter.hit(user.id, "message"):
            return await handler(event, data)
        (await container.get(Metrics)).bot_throttled.inc()
        now = self._clock()
        if now - self._noticed.get(user.id, float("-inf")) >= self._notice_every:
            self._noticed[user.id] = now
            if len(self._noticed) > 10_000:  # forget users whose notice is old
                self._noticed = {k: t for k, t in self._noticed.items() if now - t < self._notice_every}
            lang = data.get("lang", "en")
            if isinstance(event, CallbackQuery):
                await answer_callback(event, text(lang, "throttled"))
            elif isinstance(event, Message):
                await event.answer(text(lang, "throttled"))
        elif isinstance(event, CallbackQuery):  # no notice, but the button's spinner still stops
            await answer_callback(event)
        return None


def _user_id(data: dict[str, Any]) -> int | None:
    user: User | None = data.get("event_from_user")
    return user.id if user else None


class UpdateIdMiddleware(BaseMiddleware):
    """Puts the update's id on every log line written while it is handled (the JSON logs' ``update_id``)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        token = update_id.set(getattr(event, "update_id", None))
        try:
            return await handler(event, data)
        finally:
            update_id.reset(token)
