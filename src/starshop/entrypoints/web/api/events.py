"""``GET /api/v1/events`` (websocket): the caller's real-time events as JSON, one message each.

Browsers cannot set headers on a websocket, so initData may also come as ``?auth=tma%20<initData>``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from dishka.integrations.litestar import FromDishka, inject_websocket
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from starshop.adapters.events_codec import event_to_dict
from starshop.application.ports import EventSubscriber
from starshop.entrypoints.web.auth import MiniAppAuth, Unauthorized


@websocket("/api/v1/events")
@inject_websocket
async def events_socket(
    socket: WebSocket[Any, Any, Any], auth: FromDishka[MiniAppAuth], subscriber: FromDishka[EventSubscriber]
) -> None:
    try:
        profile = auth.user(socket.headers.get("authorization") or socket.query_params.get("auth"))
    except Unauthorized as exc:
        await socket.close(code=4401, reason=str(exc)[:120])
        return
    await socket.accept()
    async with subscriber.subscribe(profile.user_id) as events:
        await socket.send_json({"type": "subscribed", "user_id": profile.user_id})

        async def forward() -> None:
            async for event in events:
                await socket.send_json({"type": "event", "event": event_to_dict(event)})

        pushing = asyncio.create_task(forward())
        try:  # the client may only listen; its disconnect (or a server shutdown) ends the subscription
            while (await socket.receive())["type"] != "websocket.disconnect":
                pass
        finally:
            pushing.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await pushing
