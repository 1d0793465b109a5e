"""Operator routes on the outbox, authenticated as the other operator routes (``X-API-Key``)."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import get
from litestar.params import Parameter

from starshop.application.use_cases.list_quarantined_events import ListQuarantinedEvents
from starshop.entrypoints.web.api.admin import Req, operator
from starshop.entrypoints.web.auth import OperatorAuth


@get("/api/v1/admin/outbox/quarantined")
@inject
async def quarantined(
    request: Req,
    auth: FromDishka[OperatorAuth],
    listing: FromDishka[ListQuarantinedEvents],
    limit: int = Parameter(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    operator(request, auth)
    return {
        "items": [
            {
                "id": m.id,
                "key": m.key,
                "kind": m.kind,
                "user_id": m.user_id,
                "reason": m.reason,
                "attempts": m.attempts,
                "created_at": m.created_at.isoformat(),
                "quarantined_at": m.quarantined_at.isoformat(),
                "payload": m.payload,
            }
            for m in await listing(limit=limit)
        ]
    }


OUTBOX_ADMIN_ROUTES = [quarantined]
