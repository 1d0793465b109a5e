"""Operator routes on the shop's settings at run time: read them, change some, read who changed what."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, get, patch
from litestar.params import Parameter

from starshop.application.use_cases.change_shop_settings import ChangeShopSettings, SettingsEdit
from starshop.application.use_cases.get_settings_audit import GetSettingsAudit
from starshop.application.use_cases.get_shop_settings import GetShopSettings
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.base import OperatorController
from starshop.entrypoints.web.api.bodies import SettingsBody
from starshop.entrypoints.web.api.identity import Operator
from starshop.entrypoints.web.errors import RequestRefused

KNOWN = frozenset(SettingsBody.__dataclass_fields__)


def _refused(field: str, message: str) -> RequestRefused:
    return RequestRefused(
        422, "validation_error", "the request is invalid", fields=[{"field": field, "message": message}]
    )


async def _checked_edits(request: Request[Any, Any, Any], data: SettingsBody) -> dict[str, str | None]:
    body = await request.json()
    unknown = sorted(set(body) - KNOWN) if isinstance(body, dict) else []
    if unknown:
        raise _refused(unknown[0][:64], "no such setting")
    both = sorted(set(data.reset) & {k for k, v in vars(data).items() if v is not None and k != "reset"})
    if both:
        raise _refused(both[0], "given a value and reset at once")
    return data.edits()


class AdminSettingsController(OperatorController):
    path = "/api/v1/admin/settings"

    @get("/")
    @inject
    async def current(self, settings: FromDishka[GetShopSettings]) -> views.ShopSettings:
        """The settings in force, their configured defaults (``STARSHOP_*``) and which are set at run time."""
        return views.ShopSettings.of(await settings())

    @patch("/")
    @inject
    async def change(
        self,
        request: Request[Any, Any, Any],
        data: SettingsBody,
        operator: Operator,
        change_settings: FromDishka[ChangeShopSettings],
    ) -> views.ShopSettings:
        """Change some settings (the others stay): each is checked, then all together with the defaults; a refused
        change (422 ``invalid_setting`` or ``validation_error``) changes nothing. Each setting that changes gets an
        audit row naming the operator; sending what is already in force changes and records nothing. Takes effect
        on the next quote and purchase."""
        edits = await _checked_edits(request, data)
        result = await change_settings(SettingsEdit(actor=operator.name, values=edits))
        return views.ShopSettings.of(result.settings)

    @get("/audit")
    @inject
    async def audit(
        self,
        audit: FromDishka[GetSettingsAudit],
        limit: int = Parameter(default=50, ge=1, le=100),
        offset: int = Parameter(default=0, ge=0, le=1_000_000),
    ) -> views.SettingsAudit:
        """Who changed which setting, when, from what to what (null: the default), newest first."""
        page = await audit(limit=limit, offset=offset)
        return views.SettingsAudit.of(page, offset=offset, limit=limit)
