from __future__ import annotations

from collections import Counter

import attrs

from starshop.application.ports import SEND_BROADCAST, Clock, MessageSender, Pacer, Sent, TaskQueue, UnitOfWork
from starshop.domain.broadcast import BroadcastStatus, Message, RecipientState

SLICE = 100  # messages one task sends before it queues the rest as a new task (a stopping worker waits for no more)
ATTEMPTS = 5  # tries of one recipient while Telegram answers 429


@attrs.frozen(kw_only=True)
class SendReport:
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    finished: bool = False  # no recipient is left to claim (done, or cancelled)


class SendBroadcast:
    """Send one slice of a broadcast, then queue the rest as a new task.

    - At most once per recipient: each is claimed (``pending`` -> ``sending``) in a commit of its own *before* the
      message goes out, and its outcome recorded in another after. A crash between the two leaves it ``sending``;
      the sweep (``ResumeBroadcasts``) makes it ``unknown`` and it is never sent again. Telegram offers no
      idempotency key, so the other choice, at least once, could only ever send a message twice.
    - Every message waits for its turn of the one shared rate (``Pacer``); a 429 holds every sender off for its
      ``retry_after`` and the same recipient is tried again, up to ``ATTEMPTS`` times.
    - A user who blocked the bot (or is deactivated) is ``blocked`` and marked so: later broadcasts skip them.
    - A cancelled broadcast claims nobody more; when nobody is left, a sending broadcast is ``done``.
    """

    def __init__(self, uow: UnitOfWork, sender: MessageSender, pacer: Pacer, queue: TaskQueue, clock: Clock) -> None:
        self._uow = uow
        self._sender = sender
        self._pacer = pacer
        self._queue = queue
        self._clock = clock

    async def __call__(self, broadcast_id: str) -> SendReport:
        async with self._uow as uow:
            broadcast = await uow.broadcasts.get(broadcast_id)
        if broadcast is None or broadcast.status is not BroadcastStatus.SENDING:
            return SendReport(finished=True)
        counts: Counter[RecipientState] = Counter()
        for _ in range(SLICE):
            async with self._uow as uow:
                user_id = await uow.broadcasts.claim(broadcast_id, self._clock.now())
                await uow.commit()
            if user_id is None:
                async with self._uow as uow:
                    await uow.broadcasts.finish(broadcast_id, self._clock.now())
                    await uow.commit()
                return self._report(counts, finished=True)
            outcome = await self._send(user_id, broadcast.message)
            async with self._uow as uow:
                await uow.broadcasts.record(broadcast_id, user_id, outcome.state, self._clock.now(), outcome.error)
                await uow.commit()
            counts[outcome.state] += 1
        await self._queue.enqueue(SEND_BROADCAST, broadcast_id)
        return self._report(counts, finished=False)

    async def _send(self, user_id: int, message: Message) -> Sent:
        for _ in range(ATTEMPTS):
            await self._pacer.wait()
            outcome = await self._sender.send(user_id, message)
            if outcome.retry_after is None:
                return outcome
            await self._pacer.hold_off(outcome.retry_after)
        return Sent(state=RecipientState.FAILED, error=f"Telegram still asked to wait after {ATTEMPTS} tries")

    @staticmethod
    def _report(counts: Counter[RecipientState], *, finished: bool) -> SendReport:
        return SendReport(
            sent=counts[RecipientState.SENT],
            failed=counts[RecipientState.FAILED],
            blocked=counts[RecipientState.BLOCKED],
            finished=finished,
        )
