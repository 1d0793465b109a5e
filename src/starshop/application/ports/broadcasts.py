"""Ports for broadcasts: where they are kept, how fast they may go out, and what sends each message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import attrs

from starshop.domain.broadcast import Broadcast, Message, RecipientState, Segment

SEND_BROADCAST = "send_broadcast"


@attrs.frozen(kw_only=True)
class NewBroadcast:
    """A broadcast as created: stored with its recipients in one commit. ``idempotency_key`` is unique."""

    broadcast: Broadcast
    idempotency_key: str
    fingerprint: str


class BroadcastRepository(Protocol):
    async def add(self, new: NewBroadcast) -> int:
        """Store the broadcast and one ``pending`` recipient per user of its segment (who has not blocked the bot);
        the number of recipients. Raises ``DuplicateBroadcast`` when the idempotency key is taken."""
        ...

    async def by_key(self, idempotency_key: str) -> tuple[Broadcast, str] | None:
        """The broadcast a key made and the fingerprint of the request that made it."""
        ...

    async def count(self, segment: Segment, at: datetime) -> int:
        """How many users a broadcast to the segment would reach at that time (``add`` counts at its creation)."""
        ...

    async def get(self, broadcast_id: str) -> Broadcast | None:
        """With its progress."""
        ...

    async def page(self, *, limit: int, offset: int) -> list[Broadcast]:
        """Newest first, each with its progress."""
        ...

    async def cancel(self, broadcast_id: str, at: datetime) -> bool:
        """``sending`` to ``cancelled``: no recipient is claimed after it; false when it was not sending."""
        ...

    async def claim(self, broadcast_id: str, at: datetime) -> int | None:
        """Atomically move one ``pending`` recipient of a ``sending`` broadcast to ``sending`` (claimed at ``at``)
        and give their user id; ``None`` when none is left or the broadcast is not sending. Two claims, in any
        processes, never get the same recipient."""
        ...

    async def record(self, broadcast_id: str, user_id: int, state: RecipientState, at: datetime, error: str) -> None:
        """The outcome of a claimed (``sending``) recipient; ``blocked`` also marks the user blocked."""
        ...

    async def finish(self, broadcast_id: str, at: datetime) -> bool:
        """``sending`` to ``done`` when no recipient is pending or sending; true if it moved."""
        ...

    async def abandon(self, broadcast_id: str, *, claimed_before: datetime) -> int:
        """Recipients claimed before that time and still ``sending`` (their worker died with the message perhaps
        sent) become ``unknown``, never to be sent again; how many."""
        ...

    async def stalled(self, *, quiet_since: datetime, limit: int) -> Sequence[str]:
        """Broadcasts still ``sending`` that were created and claimed nobody since that time (their task may be
        lost with a worker)."""
        ...


@attrs.frozen(kw_only=True)
class Sent:
    """What became of one message: ``sent``, ``blocked`` (the user blocked the bot or is deactivated), ``failed``
    (with the reason); ``retry_after``: Telegram asked to wait that many seconds, nothing was sent."""

    state: RecipientState
    error: str = ""
    retry_after: float | None = None


class MessageSender(Protocol):
    async def send(self, chat_id: int, message: Message) -> Sent:
        """One attempt, never raises: a failure is an outcome."""
        ...


class Pacer(Protocol):
    """The one rate of broadcast messages, shared by every worker process."""

    async def wait(self) -> None:
        """Wait for this caller's turn: turns are at least ``1 / rate`` seconds apart across all callers."""
        ...

    async def hold_off(self, seconds: float) -> None:
        """No turn begins in the next ``seconds`` (Telegram's ``retry_after``)."""
        ...
