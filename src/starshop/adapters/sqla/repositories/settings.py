"""The shop's settings overrides (one row, locked by an edit) and their audit trail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution
from starshop.application.ports import SettingsAuditEntry, SettingsAuditPage


class SqlaSettingsRepository:
    def __init__(self, x: Execution) -> None:
        self._x = x

    async def stored(self, *, lock: bool = False) -> dict[str, str]:
        if lock:  # the row exists from the migration on; a restored or hand-made database gets it here
            await self._x.run(q.ENSURE_SETTINGS[self._x.dialect_name], {"id": 1, "doc": {}})
        row = await self._x.first(q.SETTINGS[lock])
        doc = row["doc"] if row is not None else None
        if not isinstance(doc, dict):
            return {}
        return {str(k): v for k, v in doc.items() if isinstance(v, str)}

    async def save(self, stored: Mapping[str, str], *, at: datetime, actor: str) -> None:
        await self._x.run(q.SAVE_SETTINGS, {"doc": dict(stored), "updated_at": at, "updated_by": actor})

    async def record(self, entries: Sequence[SettingsAuditEntry]) -> None:
        rows = [{"at": e.at, "actor": e.actor, "key": e.key, "old_value": e.old, "new_value": e.new} for e in entries]
        if rows:
            await self._x.run_many(q.INSERT_SETTINGS_AUDIT, rows)

    async def audit(self, *, limit: int, offset: int) -> SettingsAuditPage:
        rows = await self._x.rows(q.SETTINGS_AUDIT_PAGE, {"limit": limit, "offset": offset})
        total = await self._x.first(q.SETTINGS_AUDIT_COUNT)
        items = [
            SettingsAuditEntry(at=r["at"], actor=r["actor"], key=r["key"], old=r["old_value"], new=r["new_value"])
            for r in rows
        ]
        return SettingsAuditPage(items=items, total=int(total["total"]) if total else 0)
