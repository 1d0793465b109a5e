"""The outbox, written in the unit of work that makes the change an event reports."""

from __future__ import annotations

from typing import Any

from starshop.adapters.events_codec import event_to_dict
from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution
from starshop.application.ports import Clock
from starshop.domain.events import Event


class SqlaOutbox:
    """Events are kept until the unit of work commits, then written in one statement before the ``COMMIT``.

    Nothing reads the outbox inside the transaction that writes it, so holding the rows back changes nothing but
    the number of round trips: one for all of a commit's events instead of one each.
    """

    def __init__(self, x: Execution, clock: Clock) -> None:
        self._x = x
        self._clock = clock
        self._pending: dict[str, dict[str, Any]] = {}

    async def add(self, event: Event) -> None:
        if event.key not in self._pending:  # a repeated key is dropped, as the stored one would drop it
            self._pending[event.key] = {
                "key": event.key,
                "kind": event.kind,
                "user_id": event.user_id,
                "payload": event_to_dict(event),
                "created_at": self._clock.now(),
            }

    async def flush(self) -> None:
        rows, self._pending = list(self._pending.values()), {}
        if rows:
            await self._x.run_many(q.ADD_TO_OUTBOX, rows)
