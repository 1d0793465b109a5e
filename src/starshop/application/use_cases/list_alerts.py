from __future__ import annotations

from starshop.application.ports import OutboxUnitOfWork
from starshop.domain import Alert

MAX_ALERTS = 200


class ListAlerts:
    """Operators' alerts, newest first; only those nobody acknowledged when ``unacknowledged``."""

    def __init__(self, uow: OutboxUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, *, limit: int = 50, unacknowledged: bool = False) -> list[Alert]:
        async with self._uow as uow:
            return await uow.alerts.recent(limit=min(limit, MAX_ALERTS), unacknowledged=unacknowledged)
