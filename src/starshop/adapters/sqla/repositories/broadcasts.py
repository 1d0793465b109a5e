"""Broadcasts and their recipients; a claim is one conditional statement, so two workers never share a recipient."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution, is_unique_violation
from starshop.application.errors import DuplicateBroadcast
from starshop.application.ports import NewBroadcast
from starshop.domain.broadcast import (
    Broadcast,
    BroadcastStatus,
    Progress,
    RecipientState,
    Segment,
    message_of,
)


def _reach(segment: Segment, at: datetime) -> dict[str, Any]:
    since = None if segment.active_days is None else at - timedelta(days=segment.active_days)
    return {"language": segment.language, "since": since, "with_balance": segment.with_balance}


def _row(new: NewBroadcast) -> dict[str, Any]:
    b = new.broadcast
    return {
        "id": b.id,
        "idempotency_key": new.idempotency_key,
        "fingerprint": new.fingerprint,
        "html": b.message.html,
        "button_text": b.message.button.text if b.message.button else None,
        "button_url": b.message.button.url if b.message.button else None,
        "language": b.segment.language,
        "active_days": b.segment.active_days,
        "with_balance": b.segment.with_balance,
        "status": b.status.value,
        "created_by": b.created_by,
        "created_at": b.created_at,
        "finished_at": b.finished_at,
    }


def _broadcast(row: Mapping[Any, Any], progress: Progress) -> Broadcast:
    return Broadcast(
        id=row["id"],
        message=message_of(row["html"], button_text=row["button_text"], button_url=row["button_url"]),
        segment=Segment(
            language=row["language"], active_days=row["active_days"], with_balance=bool(row["with_balance"])
        ),
        status=BroadcastStatus(row["status"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        progress=progress,
    )


class SqlaBroadcastRepository:
    def __init__(self, x: Execution) -> None:
        self._x = x

    async def add(self, new: NewBroadcast) -> int:
        b = new.broadcast
        try:
            async with self._x.savepoint():
                await self._x.run(q.INSERT_BROADCAST, _row(new))
        except IntegrityError as exc:
            if is_unique_violation(exc):
                msg = f"broadcast {b.id} or its idempotency key is taken"
                raise DuplicateBroadcast(msg) from exc
            raise
        return await self._x.run(q.ADD_RECIPIENTS, {"b_id": b.id, **_reach(b.segment, b.created_at)})

    async def by_key(self, idempotency_key: str) -> tuple[Broadcast, str] | None:
        row = await self._x.first(q.BROADCAST_BY_KEY, {"key": idempotency_key})
        return None if row is None else (await self._with_progress(row), row["fingerprint"])

    async def count(self, segment: Segment, at: datetime) -> int:
        row = await self._x.first(q.COUNT_REACHED, _reach(segment, at))
        return int(row["n"]) if row else 0

    async def _with_progress(self, row: Mapping[Any, Any]) -> Broadcast:
        counts = await self._x.rows(q.PROGRESS, {"b_id": row["id"]})
        return _broadcast(row, Progress.of({RecipientState(r["state"]): int(r["n"]) for r in counts}))

    async def get(self, broadcast_id: str) -> Broadcast | None:
        row = await self._x.first(q.BROADCAST, {"b_id": broadcast_id})
        return None if row is None else await self._with_progress(row)

    async def page(self, *, limit: int, offset: int) -> list[Broadcast]:
        rows = await self._x.rows(q.BROADCAST_PAGE, {"limit": limit, "offset": offset})
        return [await self._with_progress(row) for row in rows]

    async def cancel(self, broadcast_id: str, at: datetime) -> bool:
        return await self._x.run(q.CANCEL_BROADCAST, {"b_id": broadcast_id, "at": at}) > 0

    async def claim(self, broadcast_id: str, at: datetime) -> int | None:
        row = await self._x.first(q.CLAIM_RECIPIENT, {"b_id": broadcast_id, "at": at})
        return None if row is None else int(row["user_id"])

    async def record(self, broadcast_id: str, user_id: int, state: RecipientState, at: datetime, error: str) -> None:
        params = {"b_id": broadcast_id, "u_id": user_id, "new_state": state.value, "at": at, "why": error}
        recorded = await self._x.run(q.RECORD_RECIPIENT, params)
        if recorded and state is RecipientState.BLOCKED:
            await self._x.run(q.MARK_BLOCKED, {"u_id": user_id, "at": at})

    async def finish(self, broadcast_id: str, at: datetime) -> bool:
        return await self._x.run(q.FINISH_BROADCAST, {"b_id": broadcast_id, "at": at}) > 0

    async def abandon(self, broadcast_id: str, *, claimed_before: datetime) -> int:
        return await self._x.run(q.ABANDON_RECIPIENTS, {"b_id": broadcast_id, "before": claimed_before})

    async def stalled(self, *, quiet_since: datetime, limit: int) -> Sequence[str]:
        rows = await self._x.rows(q.STALLED_BROADCASTS, {"since": quiet_since, "limit": limit})
        return [row["id"] for row in rows]
