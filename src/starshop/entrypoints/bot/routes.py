"""Handlers are declared once per module and registered on a fresh router each time one is built, because an
aiogram router can belong to one parent only (two dispatchers, or two tests, each need their own)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router

Handler = Callable[..., Any]


class Routes:
    def __init__(self, name: str) -> None:
        self.name = name
        self._routes: list[tuple[str, Handler, tuple[Any, ...]]] = []

    def message(self, *filters: Any) -> Callable[[Handler], Handler]:
        return self._add("message", filters)

    def callback_query(self, *filters: Any) -> Callable[[Handler], Handler]:
        return self._add("callback_query", filters)

    def _add(self, observer: str, filters: tuple[Any, ...]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._routes.append((observer, handler, filters))
            return handler

        return register

    def build(self) -> Router:
        router = Router(name=self.name)
        for observer, handler, filters in self._routes:
            router.observers[observer].register(handler, *filters)
        return router
