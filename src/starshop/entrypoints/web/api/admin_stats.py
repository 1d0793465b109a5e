"""Operator route on the shop's activity: the dashboard's figures and series."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from dishka.integrations.litestar import FromDishka, inject
from litestar import get
from litestar.params import Parameter

from starshop.application.ports import Bucket
from starshop.application.use_cases.get_shop_activity import GetShopActivity, StatsRange
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.base import OperatorController
from starshop.entrypoints.web.errors import RequestRefused

DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def day(name: str, value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` query value, or 422 naming the parameter by its public name."""
    if value is None or value == "":
        return None
    try:
        if DAY.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    msg = f"{name} must be a day written YYYY-MM-DD"
    raise RequestRefused(422, "validation_error", "the request is invalid", fields=[{"field": name, "message": msg}])


class AdminStatsController(OperatorController):
    path = "/api/v1/admin"

    @get("/stats")
    @inject
    async def stats(
        self,
        activity: FromDishka[GetShopActivity],
        first: str | None = Parameter(query="from", default=None, description="first UTC day, YYYY-MM-DD"),
        to: str | None = Parameter(default=None, description="last UTC day, included"),
        bucket: Literal["day", "week"] = "day",
    ) -> views.Stats:
        """Money recharged, sales, stars delivered, purchases by status, new and active users, per UTC day or ISO
        week, from ``from`` to ``to`` (YYYY-MM-DD, at most 366 days; by default the 30 days up to today); the
        numbers are the ledger's."""
        wanted = StatsRange(first=day("from", first), last=day("to", to), bucket=Bucket(bucket))
        return views.Stats.of(await activity(wanted))
