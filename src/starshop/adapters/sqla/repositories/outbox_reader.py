"""The relay's side of the outbox: claim a leased batch, set aside what cannot be read, delete what was handed on."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from starshop.adapters.events_codec import event_from_dict
from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution
from starshop.application.ports import OutboxMessage, QuarantinedMessage, Released
from starshop.domain.events import Event

logger = logging.getLogger(__name__)


def _event(payload: Any) -> Event:
    if not isinstance(payload, Mapping):
        msg = f"the payload is a {type(payload).__name__}, not an object"
        raise ValueError(msg)
    try:
        return event_from_dict(payload)
    except (TypeError, KeyError, ArithmeticError) as exc:  # a payload malformed in ways the codec does not name
        msg = f"{type(exc).__name__}: {exc}"
        raise ValueError(msg) from exc


class SqlaOutboxReader:
    def __init__(self, x: Execution) -> None:
        self._x = x

    async def claim(self, *, now: datetime, lease_until: datetime, limit: int) -> list[OutboxMessage]:
        rows = await self._x.rows(q.CLAIM_OUTBOX, {"now": now, "lease_until": lease_until, "limit": limit})
        messages, poison = [], []
        for row in sorted(rows, key=lambda row: row["id"]):
            try:
                messages.append(OutboxMessage(id=row["id"], event=_event(row["payload"]), attempts=row["attempts"]))
            except ValueError as exc:
                poison.append({"message_id": row["id"], "at": now, "reason": str(exc)[:500]})
                logger.exception(
                    "outbox message %s (key %r, kind %r) cannot be read as an event and is set aside",
                    row["id"],
                    row["key"],
                    row["kind"],
                )
        if poison:
            await self._x.run_many(q.QUARANTINE, poison)
        return messages

    async def quarantined(self, *, limit: int) -> list[QuarantinedMessage]:
        return [
            QuarantinedMessage(
                id=r["id"],
                key=r["key"],
                kind=r["kind"],
                user_id=r["user_id"],
                payload=r["payload"],
                reason=r["quarantine_reason"] or "",
                attempts=r["attempts"],
                created_at=r["created_at"],
                quarantined_at=r["quarantined_at"],
            )
            for r in await self._x.rows(q.QUARANTINED, {"limit": limit})
        ]

    async def release(self, message_id: int) -> Released:
        if await self._x.run(q.RELEASE, {"message_id": message_id}):
            return Released.RELEASED
        found = await self._x.first(q.OUTBOX_MESSAGE, {"message_id": message_id})
        return Released.UNKNOWN if found is None else Released.WAITING

    async def complete(self, ids: Sequence[int]) -> None:
        if ids:
            await self._x.run(q.COMPLETE_OUTBOX[self._x.dialect_name], {"ids": list(ids)})
