"""BroadcastRepository behaves alike on memory, SQLite and Postgres: segments, claims, outcomes, the end."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqla_support import USD, Persistence, at, usd, user

from starshop.application.errors import DuplicateBroadcast
from starshop.application.ports import NewBroadcast
from starshop.domain.broadcast import Broadcast, BroadcastStatus, RecipientState, Segment, message_of


def broadcast(broadcast_id: str = "b1", minutes: int = 60, **segment: object) -> Broadcast:
    return Broadcast(
        id=broadcast_id,
        message=message_of('Hi <a href="https://t.me/x">x</a>', button_text="Go", button_url="https://s.example"),
        segment=Segment(**segment),  # type: ignore[arg-type]
        status=BroadcastStatus.SENDING,
        created_by=9,
        created_at=at(minutes),
    )


def new(b: Broadcast, key: str | None = None) -> NewBroadcast:
    return NewBroadcast(broadcast=b, idempotency_key=key or f"key-{b.id}", fingerprint="f" * 64)


async def _people(p: Persistence) -> None:
    """1: en, funded, seen at 0; 2: ru, seen at 0; 3: en-GB, seen at 50; 4: en, blocked."""
    async with p.uow() as uow:
        await uow.users.upsert(user(1, language_code="en"))
        await uow.users.upsert(user(2, language_code="ru"))
        await uow.users.upsert(user(3, language_code="en-GB", updated_at=at(50)))
        await uow.users.upsert(user(4, language_code="en", blocked_at=at(1)))
        for user_id in (1, 2, 3, 4):
            await uow.balances.ensure(user_id, USD)
        await uow.balances.credit(1, usd("2.50"))
        await uow.commit()


async def test_a_segment_counts_and_adds_the_users_it_reaches(persistence: Persistence) -> None:
    await _people(persistence)
    days = timedelta(days=1)
    async with persistence.uow() as uow:
        counts = [
            await uow.broadcasts.count(Segment(), at(60)),
            await uow.broadcasts.count(Segment(language="en"), at(60)),
            await uow.broadcasts.count(Segment(language="ru"), at(60)),
            await uow.broadcasts.count(Segment(with_balance=True), at(60)),
            await uow.broadcasts.count(Segment(active_days=1), at(40) + days),
            await uow.broadcasts.count(Segment(language="en", with_balance=True, active_days=1), at(60)),
        ]
        added = await uow.broadcasts.add(new(broadcast(language="en")))
        await uow.commit()
    assert counts == [3, 2, 1, 1, 1, 1]
    assert added == 2
    async with persistence.uow() as uow:
        stored = await uow.broadcasts.get("b1")
        by_key = await uow.broadcasts.by_key("key-b1")
    assert stored is not None and stored.progress.total == stored.progress.pending == 2
    assert stored.message == broadcast().message and stored.segment == Segment(language="en")
    assert stored.created_at == at(60)
    assert by_key is not None and by_key[0] == stored and by_key[1] == "f" * 64


async def test_a_taken_key_is_refused_and_nothing_is_added(persistence: Persistence) -> None:
    await _people(persistence)
    async with persistence.uow() as uow:
        await uow.broadcasts.add(new(broadcast("b1"), key="same"))
        await uow.commit()
    async with persistence.uow() as uow:
        with pytest.raises(DuplicateBroadcast):
            await uow.broadcasts.add(new(broadcast("b2"), key="same"))
    async with persistence.uow() as uow:
        assert [b.id for b in await uow.broadcasts.page(limit=10, offset=0)] == ["b1"]


async def test_claims_record_and_finish(persistence: Persistence) -> None:
    await _people(persistence)
    async with persistence.uow() as uow:
        await uow.broadcasts.add(new(broadcast()))
        await uow.commit()
    claimed = []
    async with persistence.uow() as uow:
        for _ in range(4):
            claimed.append(await uow.broadcasts.claim("b1", at(61)))
        assert not await uow.broadcasts.finish("b1", at(62))
        await uow.broadcasts.record("b1", 1, RecipientState.SENT, at(62), "")
        await uow.broadcasts.record("b1", 2, RecipientState.BLOCKED, at(62), "Forbidden: bot was blocked by the user")
        await uow.broadcasts.record("b1", 3, RecipientState.FAILED, at(62), "chat not found")
        await uow.broadcasts.record("b1", 3, RecipientState.SENT, at(63), "")  # recorded once: ignored
        assert await uow.broadcasts.finish("b1", at(64))
        await uow.commit()
    assert claimed == [1, 2, 3, None]
    async with persistence.uow() as uow:
        done = await uow.broadcasts.get("b1")
        blocked = await uow.users.get(2)
        count = await uow.broadcasts.count(Segment(), at(70))
    assert done is not None and done.status is BroadcastStatus.DONE and done.finished_at == at(64)
    assert (done.progress.sent, done.progress.blocked, done.progress.failed) == (1, 1, 1)
    assert blocked is not None and blocked.blocked_at == at(62)
    assert count == 2  # 2 blocked now, 4 before


async def test_a_cancelled_broadcast_claims_nobody_and_cancels_once(persistence: Persistence) -> None:
    await _people(persistence)
    async with persistence.uow() as uow:
        await uow.broadcasts.add(new(broadcast()))
        assert await uow.broadcasts.cancel("b1", at(61))
        assert not await uow.broadcasts.cancel("b1", at(62))
        assert await uow.broadcasts.claim("b1", at(62)) is None
        assert not await uow.broadcasts.finish("b1", at(62))
        await uow.commit()
    async with persistence.uow() as uow:
        found = await uow.broadcasts.get("b1")
    assert found is not None and found.status is BroadcastStatus.CANCELLED and found.progress.pending == 3


async def test_stalled_broadcasts_and_abandoned_claims(persistence: Persistence) -> None:
    await _people(persistence)
    async with persistence.uow() as uow:
        await uow.broadcasts.add(new(broadcast("b1", minutes=60)))
        await uow.broadcasts.add(new(broadcast("b2", minutes=70)))
        await uow.broadcasts.claim("b1", at(61))
        await uow.commit()
    async with persistence.uow() as uow:
        quiet_early = await uow.broadcasts.stalled(quiet_since=at(61), limit=10)
        quiet_late = await uow.broadcasts.stalled(quiet_since=at(80), limit=10)
        kept = await uow.broadcasts.abandon("b1", claimed_before=at(61))
        lost = await uow.broadcasts.abandon("b1", claimed_before=at(62))
        await uow.commit()
    assert list(quiet_early) == [] and list(quiet_late) == ["b1", "b2"]
    assert (kept, lost) == (0, 1)
    async with persistence.uow() as uow:
        found = await uow.broadcasts.get("b1")
        page = await uow.broadcasts.page(limit=1, offset=0)
    assert found is not None and found.progress.unknown == 1
    assert [b.id for b in page] == ["b2"]


async def test_concurrent_claims_never_share_a_recipient(persistence: Persistence) -> None:
    async with persistence.uow() as uow:
        for user_id in range(1, 41):
            await uow.users.upsert(user(user_id))
        await uow.broadcasts.add(new(broadcast()))
        await uow.commit()

    async def claimer() -> list[int]:
        got = []
        while True:
            async with persistence.uow() as uow:
                found = await uow.broadcasts.claim("b1", at(61))
                await uow.commit()
            if found is None:
                return got
            got.append(found)

    results = await asyncio.gather(*(claimer() for _ in range(4)))
    everyone = sorted(u for r in results for u in r)
    assert everyone == list(range(1, 41))
