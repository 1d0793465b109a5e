"""Operator routes on the outbox."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import get
from litestar.params import Parameter

from starshop.application.use_cases.list_quarantined_events import ListQuarantinedEvents
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.base import OperatorController


class AdminOutboxController(OperatorController):
    path = "/api/v1/admin/outbox"

    @get("/quarantined")
    @inject
    async def quarantined(
        self, listing: FromDishka[ListQuarantinedEvents], limit: int = Parameter(default=100, ge=1, le=1000)
    ) -> views.Quarantined:
        """Outbox messages this release could not read, kept as stored."""
        return views.Quarantined(items=[views.QuarantinedEvent.of(m) for m in await listing(limit=limit)])
