"""Operator routes for broadcasts: preview, send (once per ``Idempotency-Key``), list, follow and cancel."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, get, post
from litestar.params import Parameter

from starshop.application.use_cases._broadcasts import Draft
from starshop.application.use_cases.cancel_broadcast import CancelBroadcast
from starshop.application.use_cases.create_broadcast import CreateBroadcast
from starshop.application.use_cases.get_broadcast import GetBroadcast
from starshop.application.use_cases.list_broadcasts import ListBroadcasts
from starshop.application.use_cases.preview_broadcast import PreviewBroadcast
from starshop.domain.broadcast import Segment
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.base import OperatorController
from starshop.entrypoints.web.api.bodies import BroadcastBody
from starshop.entrypoints.web.api.idempotency import IdempotentOperation, created, idempotency_key
from starshop.entrypoints.web.api.identity import Operator

ID_PATH = Parameter(max_length=32, pattern=r"^[A-Za-z0-9_-]{1,32}$", description="the broadcast's id")


def draft(data: BroadcastBody, operator: Operator, key: str | None = None) -> Draft:
    """The body as the use cases take it; an invalid segment is refused here (422 ``broadcast_invalid``)."""
    segment = Segment(language=data.language, active_days=data.active_days, with_balance=data.with_balance)
    return Draft(
        operator_id=operator.id,
        text=data.text,
        segment=segment,
        button_text=data.button_text,
        button_url=data.button_url,
        idempotency_key=key,
    )


class AdminBroadcastsController(OperatorController):
    path = "/api/v1/admin/broadcasts"

    @post("/preview", status_code=200)
    @inject
    async def preview(
        self, data: BroadcastBody, operator: Operator, preview_broadcast: FromDishka[PreviewBroadcast]
    ) -> views.BroadcastPreview:
        """The message as it would be sent and how many users it would reach now; nothing is stored or sent.
        Markup outside Telegram's subset, a bad button or segment is refused (422 ``broadcast_invalid``)."""
        return views.BroadcastPreview.of(await preview_broadcast(draft(data, operator)))

    @post("/", status_code=201, operation_class=IdempotentOperation, errors=(409,))
    @inject
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: BroadcastBody,
        operator: Operator,
        create_broadcast: FromDishka[CreateBroadcast],
    ) -> Response[views.Broadcast]:
        """Send a broadcast: checked as in the preview, stored with its recipients, sent by the worker at most
        ``STARSHOP_BROADCAST_RATE`` messages a second. A repeated ``Idempotency-Key`` replays the first answer; the
        key with another body is refused (409 ``idempotency_conflict``)."""
        result = await create_broadcast(draft(data, operator, idempotency_key(request)))
        return created(views.Broadcast.of(result.broadcast), replayed=result.replayed)

    @get("/")
    @inject
    async def list_broadcasts(
        self,
        list_broadcasts: FromDishka[ListBroadcasts],
        limit: int = Parameter(default=20, ge=1, le=100),
        offset: int = Parameter(default=0, ge=0, le=1_000_000),
    ) -> views.Broadcasts:
        """Broadcasts newest first, each with its progress."""
        items = await list_broadcasts(limit=limit, offset=offset)
        return views.Broadcasts(items=[views.Broadcast.of(b) for b in items], offset=offset, limit=limit)

    @get("/{broadcast_id:str}", errors=(404,))
    @inject
    async def one(self, get_broadcast: FromDishka[GetBroadcast], broadcast_id: str = ID_PATH) -> views.Broadcast:
        """One broadcast and its progress (poll it to follow the sending)."""
        return views.Broadcast.of(await get_broadcast(broadcast_id))

    @post("/{broadcast_id:str}/cancel", status_code=200, errors=(404, 409))
    @inject
    async def cancel(
        self, cancel_broadcast: FromDishka[CancelBroadcast], broadcast_id: str = ID_PATH
    ) -> views.Broadcast:
        """Stop sending: nobody more is sent to (a message already on its way still arrives). A broadcast that is
        done or cancelled already is refused (409 ``broadcast_not_sending``)."""
        return views.Broadcast.of(await cancel_broadcast(broadcast_id))
