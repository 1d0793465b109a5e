"""A local fake of the Telegram Bot API over real HTTP on 127.0.0.1, for end-to-end bot tests.

It answers what aiogram calls (``getMe``, ``sendMessage``, ``editMessageText``, ``editMessageReplyMarkup``,
``answerCallbackQuery``, ``setMyCommands``, ``deleteWebhook``, ``getUpdates``), records every request, serves
queued updates to polling, and can answer 429 with ``retry_after`` or 403 (bot blocked, user deactivated) on demand.
Each call keeps the time it arrived, so a test can measure the rate of sending (``most_in_any_second``). As Telegram
does, it refuses a message text longer than 4096 characters (UTF-16 code units) or an empty one.
Point aiogram at it with ``AiohttpSession(api=TelegramAPIServer.from_base(fake.url))``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from typing import Any

import attrs
from aiohttp import web

_JSON_FIELDS = frozenset(
    {"reply_markup", "commands", "scope", "allowed_updates", "entities", "link_preview_options", "reply_parameters"}
)
BOT_ID = 4242
BOT_USERNAME = "starshop_test_bot"
MAX_TEXT = 4096  # Telegram's limit on a message's text, in UTF-16 code units


@attrs.frozen
class Call:
    method: str
    params: dict[str, Any]
    answer: dict[str, Any] = attrs.field(factory=dict, eq=False)  # what the fake answered: ok, result or error
    at: float = attrs.field(factory=time.time, eq=False)  # when the fake received it (a test measures rates)

    @property
    def message_id(self) -> int | None:
        """The id of the message this call sent or edited (``None`` if it failed or is not about a message)."""
        result = self.answer.get("result")
        return result.get("message_id") if isinstance(result, dict) else None

    @property
    def text(self) -> str | None:
        return self.params.get("text")

    @property
    def keyboard(self) -> list[list[dict[str, Any]]] | None:
        """The inline keyboard as rows of button dicts, or ``None``."""
        markup = self.params.get("reply_markup")
        return None if markup is None else markup.get("inline_keyboard")

    @property
    def buttons(self) -> list[list[str]]:
        """Button captions by row: the easiest thing to compare in a test."""
        return [[b["text"] for b in row] for row in self.keyboard or []]


@attrs.define
class _Failure:
    method: str
    status: int
    description: str
    retry_after: int | None
    chat_id: int | None
    times: int


def _chat_type(chat_id: object) -> str:
    return "private" if isinstance(chat_id, int) and chat_id > 0 else "supergroup"


def _parse(form: dict[str, str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in form.items():
        if key in _JSON_FIELDS:
            params[key] = json.loads(value)
        elif key in {"chat_id", "message_id", "user_id", "offset", "limit", "timeout"}:
            params[key] = int(value) if value.lstrip("-").isdigit() else value
        else:
            params[key] = value
    return params


class FakeBotApi:
    """``async with FakeBotApi() as fake:`` serves on a free port; ``fake.url`` is the base to give aiogram."""

    def __init__(self, *, poll_wait: float = 0.2) -> None:
        self.calls: list[Call] = []
        self.updates: deque[dict[str, Any]] = deque()
        self._failures: list[_Failure] = []
        self._ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        self._poll_wait = poll_wait
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._shown: dict[tuple[object, object], tuple[object, object]] = {}
        self.url = ""

    async def __aenter__(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what a test scripts --------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        description: str = "Too Many Requests: retry later",
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        self._failures.append(_Failure(method, status, description, retry_after, chat_id, times))

    def block(self, chat_id: int) -> None:
        """Every message to this chat gets 403, as when the user blocked the bot."""
        self.fail_next(
            "sendMessage",
            status=403,
            retry_after=None,
            description="Forbidden: bot was blocked by the user",
            chat_id=chat_id,
            times=10**9,
        )

    def deactivate(self, chat_id: int) -> None:
        """Every message to this chat gets 403, as when the user's account is deleted."""
        self.fail_next(
            "sendMessage",
            status=403,
            retry_after=None,
            description="Forbidden: user is deactivated",
            chat_id=chat_id,
            times=10**9,
        )

    def most_in_any_second(self, method: str = "sendMessage") -> int:
        """The most calls of ``method`` received within any one second (a sliding window from each call)."""
        times = sorted(c.at for c in self.calls_to(method))
        most, first = 0, 0
        for last, at in enumerate(times):
            while at - times[first] >= 1.0:
                first += 1
            most = max(most, last - first + 1)
        return most

    def queue_update(self, update: dict[str, Any]) -> int:
        """Queue an update for ``getUpdates``; an ``update_id`` is assigned if missing."""
        update.setdefault("update_id", next(self._update_ids))
        self.updates.append(update)
        self._new_update.set()
        return int(update["update_id"])

    # --- what a test reads ----------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def sent(self) -> list[Call]:
        """Messages out: ``sendMessage`` and ``editMessageText`` in order."""
        return [c for c in self.calls if c.method in {"sendMessage", "editMessageText"}]

    def clear(self) -> None:
        self.calls.clear()

    async def wait_for(self, method: str, count: int = 1, within: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + within
        while len(self.calls_to(method)) < count:
            if time.monotonic() > deadline:
                msg = f"{method} was called {len(self.calls_to(method))} times, expected {count}"
                raise TimeoutError(msg)
            await asyncio.sleep(0.01)
        return self.calls_to(method)

    # --- the server -----------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        params = _parse({k: str(v) for k, v in form.items()})
        call = Call(method, params)
        self.calls.append(call)
        failure = self._failure_for(method, params) or self._invalid(method, params) or self._unchanged(method, params)
        if failure is not None:
            body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            call.answer.update(body)
            return web.json_response(body, status=failure.status)
        result = await self._result(method, params)
        call.answer.update({"ok": True, "result": result})
        return web.json_response(call.answer)

    def _failure_for(self, method: str, params: dict[str, Any]) -> _Failure | None:
        for failure in self._failures:
            if failure.method == method and failure.chat_id in (None, params.get("chat_id")):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _invalid(self, method: str, params: dict[str, Any]) -> _Failure | None:
        """What Telegram refuses in a message's text: nothing, or more than 4096 characters."""
        if method not in {"sendMessage", "editMessageText"}:
            return None
        text = str(params.get("text", ""))
        if not text.strip():
            return _Failure(method, 400, "Bad Request: message text is empty", None, None, 1)
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:
            return _Failure(method, 400, "Bad Request: message is too long", None, None, 1)
        return None

    def _unchanged(self, method: str, params: dict[str, Any]) -> _Failure | None:
        """Telegram refuses an edit that changes nothing."""
        if method != "editMessageText":
            return None
        key, shown = (params.get("chat_id"), params.get("message_id")), (params.get("text"), params.get("reply_markup"))
        if self._shown.get(key) == shown:
            return _Failure(method, 400, "Bad Request: message is not modified", None, None, 1)
        self._shown[key] = shown
        return None

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Starshop", "username": BOT_USERNAME}
        if method in {"sendMessage", "editMessageText"}:
            return self._message(params)
        if method == "getUpdates":
            return await self._get_updates(params)
        return True  # answerCallbackQuery, setMyCommands, deleteWebhook, editMessageReplyMarkup, ...

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": params.get("message_id") or next(self._ids),
            "date": int(time.time()),
            "chat": {"id": params["chat_id"], "type": _chat_type(params["chat_id"])},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Starshop"},
            "text": params.get("text", ""),
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0))
        while self.updates and int(self.updates[0]["update_id"]) < offset:
            self.updates.popleft()  # confirmed by the client
        if not self.updates:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), self._poll_wait)
            except TimeoutError:
                return []
        return list(self.updates)
