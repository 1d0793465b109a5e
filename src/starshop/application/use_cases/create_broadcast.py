from __future__ import annotations

import attrs

from starshop.application.errors import DuplicateBroadcast, IdempotencyConflict
from starshop.application.ports import Clock, IdGenerator, NewBroadcast, UnitOfWork
from starshop.application.use_cases._broadcasts import Draft
from starshop.domain.broadcast import Broadcast, BroadcastStatus, Progress
from starshop.domain.events import BroadcastQueued


@attrs.frozen(kw_only=True)
class BroadcastResult:
    broadcast: Broadcast
    replayed: bool = False


class CreateBroadcast:
    """Store a broadcast, its recipients and the event that starts it, in one commit; the worker sends it.

    - The message is checked first: nothing is stored for invalid markup, button or segment.
    - Recipients are the segment's users at this moment, except those who blocked the bot.
    - Exactly once per idempotency key: a repeated key returns the first broadcast; with another request it is
      refused (``idempotency_conflict``).
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, draft: Draft) -> BroadcastResult:
        message = draft.message()
        earlier = await self._earlier(draft)
        if earlier is not None:
            return BroadcastResult(broadcast=earlier, replayed=True)
        now = self._clock.now()
        broadcast = Broadcast(
            id=self._ids.new_id(),
            message=message,
            segment=draft.segment,
            status=BroadcastStatus.SENDING,
            created_by=draft.operator_id,
            created_at=now,
        )
        new = NewBroadcast(broadcast=broadcast, idempotency_key=draft.stored_key, fingerprint=draft.fingerprint())
        try:
            async with self._uow as uow:
                total = await uow.broadcasts.add(new)
                await uow.outbox.add(BroadcastQueued(user_id=draft.operator_id, tx_id=broadcast.id))
                await uow.commit()
        except DuplicateBroadcast:
            earlier = await self._earlier(draft)
            if earlier is None:
                raise
            return BroadcastResult(broadcast=earlier, replayed=True)
        return BroadcastResult(broadcast=attrs.evolve(broadcast, progress=Progress(total=total, pending=total)))

    async def _earlier(self, draft: Draft) -> Broadcast | None:
        async with self._uow as uow:
            found = await uow.broadcasts.by_key(draft.stored_key)
        if found is None:
            return None
        broadcast, fingerprint = found
        if fingerprint != draft.fingerprint():
            msg = "this Idempotency-Key was used for another broadcast"
            raise IdempotencyConflict(msg)
        return broadcast
