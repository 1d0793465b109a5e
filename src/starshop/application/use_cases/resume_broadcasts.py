from __future__ import annotations

from datetime import timedelta

import attrs

from starshop.application.ports import SEND_BROADCAST, Clock, TaskQueue, UnitOfWork

QUIET = timedelta(seconds=60)  # a sending broadcast that claimed nobody for this long has lost its task
LEASE = timedelta(minutes=10)  # longer than any one send may take, 429 waits included


@attrs.frozen(kw_only=True)
class ResumeReport:
    resumed: int = 0
    unknown: int = 0


class ResumeBroadcasts:
    """The sweep's part for broadcasts: a broadcast whose worker stopped or died goes on where it was.

    - A sending broadcast quiet for ``QUIET`` is queued again (a second task beside a live one is harmless: every
      recipient is claimed once).
    - A recipient claimed more than ``LEASE`` ago and still ``sending`` is ``unknown``: its worker died between
      sending and recording, so the message may have arrived; it is never sent again (at most once).
    """

    def __init__(self, uow: UnitOfWork, queue: TaskQueue, clock: Clock) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock

    async def __call__(self) -> ResumeReport:
        now = self._clock.now()
        unknown = 0
        async with self._uow as uow:
            stalled = await uow.broadcasts.stalled(quiet_since=now - QUIET, limit=100)
            for broadcast_id in stalled:
                unknown += await uow.broadcasts.abandon(broadcast_id, claimed_before=now - LEASE)
            await uow.commit()
        for broadcast_id in stalled:
            await self._queue.enqueue(SEND_BROADCAST, broadcast_id)
        return ResumeReport(resumed=len(stalled), unknown=unknown)
