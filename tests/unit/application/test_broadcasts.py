"""Broadcasts through the in-memory shop: created once, sent at most once per recipient, resumed, cancelled."""

from datetime import timedelta

import pytest

from starshop.application.errors import BroadcastNotSending, IdempotencyConflict, UnknownBroadcast
from starshop.application.use_cases._broadcasts import Draft
from starshop.application.use_cases.register_user import TelegramProfile
from starshop.application.use_cases.resume_broadcasts import LEASE, QUIET
from starshop.domain.broadcast import BroadcastStatus, Segment
from starshop.domain.errors import InvalidBroadcast
from starshop.testing import InMemoryShop
from starshop.testing.doubles import WorkerDied
from tests.unit.application.conftest import fund

OPERATOR = 9


def draft(text: str = "Hello <b>all</b>", key: str = "k1", **segment: object) -> Draft:
    return Draft(operator_id=OPERATOR, text=text, segment=Segment(**segment), idempotency_key=key)  # type: ignore[arg-type]


async def users(shop: InMemoryShop, *ids: int, language: str = "en") -> None:
    for user_id in ids:
        await shop.register_user(TelegramProfile(user_id=user_id, language_code=language))


async def test_a_broadcast_reaches_every_user_once_through_the_outbox_and_the_queue(shop):
    await users(shop, 1, 2, 3)
    result = await shop.create_broadcast(draft())
    assert result.broadcast.progress.total == 3 and not result.replayed
    assert shop.sender.sent == []  # nothing goes out before the worker relays the event
    await shop.run_background()
    assert sorted(shop.sender.chats()) == [1, 2, 3]
    assert shop.sender.sent[0][1].html == "Hello <b>all</b>"
    done = await shop.get_broadcast(result.broadcast.id)
    assert done.status is BroadcastStatus.DONE and done.progress.sent == 3 and done.finished_at is not None


async def test_a_repeated_key_replays_the_broadcast_and_another_request_with_it_is_refused(shop):
    await users(shop, 1)
    first = await shop.create_broadcast(draft())
    again = await shop.create_broadcast(draft())
    assert again.replayed and again.broadcast.id == first.broadcast.id
    with pytest.raises(IdempotencyConflict):
        await shop.create_broadcast(draft(text="Other"))
    await shop.run_background()
    assert shop.sender.chats() == [1]


async def test_invalid_markup_is_refused_before_anything_is_stored(shop):
    await users(shop, 1)
    with pytest.raises(InvalidBroadcast):
        await shop.create_broadcast(draft(text="<script>x</script>"))
    async with shop.uow() as uow:
        assert await uow.broadcasts.page(limit=10, offset=0) == []


async def test_preview_counts_the_segment(shop):
    await users(shop, 1, 2)
    await users(shop, 3, language="ru")
    await users(shop, 4, language="en-GB")
    await fund(shop, 2, "5")
    assert (await shop.preview_broadcast(draft())).recipients == 4
    assert (await shop.preview_broadcast(draft(language="en"))).recipients == 3
    assert (await shop.preview_broadcast(draft(language="ru"))).recipients == 1
    assert (await shop.preview_broadcast(draft(with_balance=True))).recipients == 1
    shop.clock.advance(timedelta(days=10))
    await fund(shop, 1, "1")
    assert (await shop.preview_broadcast(draft(active_days=7))).recipients == 1


async def test_blocked_and_deactivated_users_are_marked_and_skipped_next_time(shop):
    await users(shop, 1, 2, 3)
    shop.sender.blocked.add(2)
    shop.sender.deactivated.add(3)
    first = await shop.create_broadcast(draft())
    await shop.run_background()
    progress = (await shop.get_broadcast(first.broadcast.id)).progress
    assert (progress.sent, progress.blocked) == (1, 2)
    async with shop.uow() as uow:
        assert (await uow.users.get(2)).blocked_at is not None  # type: ignore[union-attr]
    second = await shop.create_broadcast(draft(key="k2"))
    assert second.broadcast.progress.total == 1
    await shop.register_user(TelegramProfile(user_id=2))  # they came back: reachable again
    assert (await shop.preview_broadcast(draft())).recipients == 2


async def test_a_429_holds_off_and_the_same_recipient_is_tried_again(shop):
    await users(shop, 1, 2)
    shop.sender.retry_after.extend([0.01, 0.01])
    result = await shop.create_broadcast(draft())
    await shop.run_background()
    assert sorted(shop.sender.chats()) == [1, 2] and shop.sender.attempts == 4
    assert (await shop.get_broadcast(result.broadcast.id)).progress.sent == 2


async def test_a_cancelled_broadcast_sends_nothing_more(shop):
    await users(shop, 1, 2, 3)
    result = await shop.create_broadcast(draft())
    cancelled = await shop.cancel_broadcast(result.broadcast.id)
    assert cancelled.status is BroadcastStatus.CANCELLED
    await shop.run_background()
    assert shop.sender.sent == []
    assert (await shop.get_broadcast(result.broadcast.id)).progress.pending == 3
    with pytest.raises(BroadcastNotSending):
        await shop.cancel_broadcast(result.broadcast.id)
    with pytest.raises(UnknownBroadcast):
        await shop.cancel_broadcast("nope")


async def test_a_worker_dying_mid_send_never_sends_that_recipient_twice_and_the_rest_resume(shop):
    await users(shop, 1, 2, 3, 4)
    result = await shop.create_broadcast(draft())
    await shop.relay_outbox()
    [(_, broadcast_id)] = shop.queue.drain()
    shop.sender.crash_after = 1  # the second message is delivered, then the worker dies before recording it
    with pytest.raises(WorkerDied):
        await shop.send_broadcast(broadcast_id)
    assert shop.sender.chats() == [1, 2]
    shop.clock.advance(QUIET + LEASE)  # the task is lost with the worker; the sweep finds the broadcast quiet
    report = await shop.resume_broadcasts()
    assert (report.resumed, report.unknown) == (1, 1)
    await shop.run_background()
    assert shop.sender.chats() == [1, 2, 3, 4]  # each at most once: 2 is "unknown", never sent again
    progress = (await shop.get_broadcast(result.broadcast.id)).progress
    assert (progress.sent, progress.unknown, progress.pending) == (3, 1, 0)


async def test_a_stopped_worker_resumes_where_it_was_and_each_recipient_gets_it_exactly_once(shop):
    await users(shop, *range(1, 251))
    result = await shop.create_broadcast(draft())
    await shop.relay_outbox()
    [(_, broadcast_id)] = shop.queue.drain()
    report = await shop.send_broadcast(broadcast_id)  # one slice, then the worker stops: the rest was queued
    assert not report.finished and 0 < len(shop.sender.sent) < 250
    shop.queue.drain()  # ... and lost with an in-process queue
    shop.clock.advance(QUIET * 2)
    assert (await shop.resume_broadcasts()).resumed == 1
    await shop.run_background()
    assert sorted(shop.sender.chats()) == list(range(1, 251))
    assert (await shop.get_broadcast(result.broadcast.id)).status is BroadcastStatus.DONE


async def test_a_live_broadcast_is_not_resumed(shop):
    await users(shop, 1)
    await shop.create_broadcast(draft())
    assert (await shop.resume_broadcasts()).resumed == 0
