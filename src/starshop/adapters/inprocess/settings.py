"""The shop's settings overrides and their audit trail, in memory (the store's lock already makes one edit at a
time)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from starshop.application.ports import SettingsAuditEntry, SettingsAuditPage


class InMemorySettings:
    def __init__(self, stored: dict[str, str], audit: list[SettingsAuditEntry]) -> None:
        self._stored = stored
        self._audit = audit

    async def stored(self, *, lock: bool = False) -> dict[str, str]:
        return dict(self._stored)

    async def save(self, stored: Mapping[str, str], *, at: datetime, actor: str) -> None:
        self._stored.clear()
        self._stored.update(stored)

    async def record(self, entries: Sequence[SettingsAuditEntry]) -> None:
        self._audit.extend(entries)

    async def audit(self, *, limit: int, offset: int) -> SettingsAuditPage:
        newest = self._audit[::-1]
        return SettingsAuditPage(items=newest[offset : offset + limit], total=len(newest))
