"""Operator routes on alerts and on flagged recharges with their webhook history."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import get, post
from litestar.params import Parameter

from starshop.application.use_cases.acknowledge_alert import AcknowledgeAlert
from starshop.application.use_cases.get_recharge_webhooks import GetRechargeWebhooks
from starshop.application.use_cases.list_alerts import MAX_ALERTS, ListAlerts
from starshop.application.use_cases.list_flagged_recharges import MAX_FLAGGED, ListFlaggedRecharges
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.admin_transactions import TOKEN
from starshop.entrypoints.web.api.base import OperatorController
from starshop.entrypoints.web.api.identity import Operator

ALERT_ID = Parameter(ge=1, le=2**63 - 1, description="the alert's id")


class AdminAlertsController(OperatorController):
    path = "/api/v1/admin"

    @get("/alerts")
    @inject
    async def alerts(
        self,
        listing: FromDishka[ListAlerts],
        unacknowledged: bool = Parameter(default=False, description="only those nobody acknowledged"),
        limit: int = Parameter(default=50, ge=1, le=MAX_ALERTS),
    ) -> views.Alerts:
        """Alerts for operators, newest first: flags, contradicting outcomes, the wallet near its floor, outbox
        messages set aside, circuit breakers open."""
        return views.Alerts(
            items=[views.Alert.of(a) for a in await listing(limit=limit, unacknowledged=unacknowledged)]
        )

    @post("/alerts/{alert_id:int}/ack", status_code=200, errors=(404,))
    @inject
    async def acknowledge(
        self, operator: Operator, acknowledge: FromDishka[AcknowledgeAlert], alert_id: int = ALERT_ID
    ) -> views.Alert:
        """Mark an alert seen (it leaves the console's banner); the first acknowledgement stands, so it may be
        repeated safely."""
        return views.Alert.of(await acknowledge(alert_id, operator=operator.id))

    @get("/recharges/flagged")
    @inject
    async def flagged_recharges(
        self,
        listing: FromDishka[ListFlaggedRecharges],
        limit: int = Parameter(default=MAX_FLAGGED, ge=1, le=MAX_FLAGGED),
    ) -> views.FlaggedRecharges:
        """Recharges flagged for an operator, newest first, each with the verified webhooks received for it."""
        found = await listing(limit=limit)
        return views.FlaggedRecharges(items=[views.RechargeWebhooks.of(tx, hooks) for tx, hooks in found])

    @get("/recharges/{tx_id:str}/webhooks", errors=(404,))
    @inject
    async def webhooks(
        self, webhooks_of: FromDishka[GetRechargeWebhooks], tx_id: str = Parameter(pattern=TOKEN, max_length=64)
    ) -> views.RechargeWebhooks:
        """One recharge and the verified webhooks received for it (404 for anything but a recharge)."""
        return views.RechargeWebhooks.of(*(await webhooks_of(tx_id)))
