from __future__ import annotations

from starshop.application.ports import SettingsAuditPage, UnitOfWork


class GetSettingsAudit:
    """Who changed which shop setting, when, from what to what: newest first."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, *, limit: int, offset: int) -> SettingsAuditPage:
        async with self._uow as uow:
            return await uow.settings.audit(limit=limit, offset=offset)
