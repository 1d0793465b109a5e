"""Operator routes on the outbox."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import get, post
from litestar.params import Parameter

from starshop.application.use_cases.list_quarantined_events import ListQuarantinedEvents
from starshop.application.use_cases.release_quarantined_event import ReleaseQuarantinedEvent
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.base import OperatorController
from starshop.entrypoints.web.api.identity import Operator


class AdminOutboxController(OperatorController):
    path = "/api/v1/admin/outbox"

    @get("/quarantined")
    @inject
    async def quarantined(
        self, listing: FromDishka[ListQuarantinedEvents], limit: int = Parameter(default=100, ge=1, le=1000)
    ) -> views.Quarantined:
        """Outbox messages this release could not read, kept as stored."""
        return views.Quarantined(items=[views.QuarantinedEvent.of(m) for m in await listing(limit=limit)])

    @post("/{message_id:int}/release", status_code=200, errors=(404,))
    @inject
    async def release(
        self,
        operator: Operator,
        release: FromDishka[ReleaseQuarantinedEvent],
        message_id: int = Parameter(ge=1, le=2**63 - 1, description="the outbox message's id"),
    ) -> views.Release:
        """Put a message that was set aside back for the relay, once a release that can read it is deployed; one
        it still cannot read is set aside again. Repeating it changes nothing more (``waiting``); logged."""
        return views.Release.of(message_id, await release(message_id, operator=operator.id))
