"""Broadcasts in memory (the store's lock already makes one claim at a time)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from starshop.application.errors import DuplicateBroadcast
from starshop.application.ports import NewBroadcast
from starshop.domain import Balance, Transaction, User
from starshop.domain.broadcast import Broadcast, BroadcastStatus, Progress, RecipientState, Segment


@attrs.frozen(kw_only=True)
class StoredBroadcast:
    broadcast: Broadcast
    key: str
    fingerprint: str


@attrs.frozen
class Recipient:
    state: RecipientState
    claimed_at: datetime | None = None
    error: str = ""


def segment_users(
    segment: Segment,
    users: Mapping[int, User],
    balances: Mapping[int, Balance],
    transactions: Mapping[str, Transaction],
    now: datetime,
) -> list[int]:
    """The users a broadcast to the segment reaches, lowest id first."""
    since = None if segment.active_days is None else now - timedelta(days=segment.active_days)
    recent = set() if since is None else {tx.user_id for tx in transactions.values() if tx.created_at >= since}

    def takes(user: User) -> bool:
        balance = balances.get(user.user_id)
        return (
            user.blocked_at is None
            and segment.takes_language(user.language_code)
            and (since is None or user.updated_at >= since or user.user_id in recent)
            and (not segment.with_balance or (balance is not None and balance.amount.is_positive))
        )

    return sorted(user_id for user_id, user in users.items() if takes(user))


class InMemoryBroadcasts:
    def __init__(
        self,
        broadcasts: dict[str, StoredBroadcast],
        recipients: dict[tuple[str, int], Recipient],
        users: dict[int, User],
        balances: Mapping[int, Balance],
        transactions: Mapping[str, Transaction],
    ) -> None:
        self._broadcasts = broadcasts
        self._recipients = recipients
        self._users = users
        self._balances = balances
        self._transactions = transactions

    def _reach(self, segment: Segment, at: datetime) -> list[int]:
        return segment_users(segment, self._users, self._balances, self._transactions, at)

    async def add(self, new: NewBroadcast) -> int:
        b = new.broadcast
        if b.id in self._broadcasts or any(s.key == new.idempotency_key for s in self._broadcasts.values()):
            msg = f"broadcast {b.id} or its key is taken"
            raise DuplicateBroadcast(msg)
        self._broadcasts[b.id] = StoredBroadcast(broadcast=b, key=new.idempotency_key, fingerprint=new.fingerprint)
        reach = self._reach(b.segment, b.created_at)
        for user_id in reach:
            self._recipients[(b.id, user_id)] = Recipient(RecipientState.PENDING)
        return len(reach)

    async def by_key(self, idempotency_key: str) -> tuple[Broadcast, str] | None:
        found = next((s for s in self._broadcasts.values() if s.key == idempotency_key), None)
        return None if found is None else (self._with_progress(found.broadcast), found.fingerprint)

    async def count(self, segment: Segment, at: datetime) -> int:
        return len(self._reach(segment, at))

    def _with_progress(self, broadcast: Broadcast) -> Broadcast:
        counts = Counter(r.state for (b, _), r in self._recipients.items() if b == broadcast.id)
        return attrs.evolve(broadcast, progress=Progress.of(dict(counts)))

    async def get(self, broadcast_id: str) -> Broadcast | None:
        found = self._broadcasts.get(broadcast_id)
        return None if found is None else self._with_progress(found.broadcast)

    async def page(self, *, limit: int, offset: int) -> list[Broadcast]:
        ordered = sorted(self._broadcasts.values(), key=lambda s: (s.broadcast.created_at, s.broadcast.id))[::-1]
        return [self._with_progress(s.broadcast) for s in ordered[offset : offset + limit]]

    def _move(self, broadcast_id: str, status: BroadcastStatus, at: datetime) -> bool:
        found = self._broadcasts.get(broadcast_id)
        if found is None or found.broadcast.status is not BroadcastStatus.SENDING:
            return False
        moved = attrs.evolve(found.broadcast, status=status, finished_at=at)
        self._broadcasts[broadcast_id] = attrs.evolve(found, broadcast=moved)
        return True

    async def cancel(self, broadcast_id: str, at: datetime) -> bool:
        return self._move(broadcast_id, BroadcastStatus.CANCELLED, at)

    async def claim(self, broadcast_id: str, at: datetime) -> int | None:
        found = self._broadcasts.get(broadcast_id)
        if found is None or found.broadcast.status is not BroadcastStatus.SENDING:
            return None
        waiting = sorted(u for (b, u), r in self._recipients.items() if b == broadcast_id and r.state == "pending")
        if not waiting:
            return None
        self._recipients[(broadcast_id, waiting[0])] = Recipient(RecipientState.SENDING, at)
        return waiting[0]

    async def record(self, broadcast_id: str, user_id: int, state: RecipientState, at: datetime, error: str) -> None:
        current = self._recipients.get((broadcast_id, user_id))
        if current is None or current.state is not RecipientState.SENDING:
            return
        self._recipients[(broadcast_id, user_id)] = Recipient(state, current.claimed_at, error)
        user = self._users.get(user_id)
        if state is RecipientState.BLOCKED and user is not None:
            self._users[user_id] = attrs.evolve(user, blocked_at=at)

    async def finish(self, broadcast_id: str, at: datetime) -> bool:
        open_states = (RecipientState.PENDING, RecipientState.SENDING)
        if any(b == broadcast_id and r.state in open_states for (b, _), r in self._recipients.items()):
            return False
        return self._move(broadcast_id, BroadcastStatus.DONE, at)

    async def abandon(self, broadcast_id: str, *, claimed_before: datetime) -> int:
        stale = [
            key
            for key, r in self._recipients.items()
            if key[0] == broadcast_id
            and r.state is RecipientState.SENDING
            and r.claimed_at is not None
            and r.claimed_at < claimed_before
        ]
        for key in stale:
            self._recipients[key] = Recipient(RecipientState.UNKNOWN, self._recipients[key].claimed_at, "interrupted")
        return len(stale)

    async def stalled(self, *, quiet_since: datetime, limit: int) -> Sequence[str]:
        def quiet(stored: StoredBroadcast) -> bool:
            b = stored.broadcast
            claims = (r.claimed_at for (i, _), r in self._recipients.items() if i == b.id and r.claimed_at)
            return b.created_at < quiet_since and all(at < quiet_since for at in claims)

        found = [s for s in self._broadcasts.values() if s.broadcast.status is BroadcastStatus.SENDING and quiet(s)]
        return [s.broadcast.id for s in sorted(found, key=lambda s: s.broadcast.created_at)][:limit]
