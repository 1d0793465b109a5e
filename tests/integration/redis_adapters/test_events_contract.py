from __future__ import annotations

import asyncio

import pytest
from redis_support import Events

from starshop.adapters.inprocess import InProcessEventBus
from starshop.domain.events import PaymentReceived, PurchaseQueued
from starshop.domain.money import Currency, Money

USD = Currency.of("USD")


def payment(user_id: int, tx_id: str = "tx1") -> PaymentReceived:
    return PaymentReceived(user_id=user_id, tx_id=tx_id, amount=Money.of("1.50", USD), balance=Money.of("10", USD))


async def test_a_subscriber_receives_its_users_events_in_order(events: Events) -> None:
    async with events.subscribe(1) as stream:
        await events.publish(payment(1, "a"))
        await events.publish(PurchaseQueued(user_id=1, tx_id="b"))

        received = [await asyncio.wait_for(anext(stream), 10) for _ in range(2)]

    assert received == [payment(1, "a"), PurchaseQueued(user_id=1, tx_id="b")]


async def test_several_events_published_at_once_arrive_each_to_its_user_in_order(events: Events) -> None:
    batch = [payment(1, "a"), payment(2, "theirs"), PurchaseQueued(user_id=1, tx_id="b"), payment(1, "c")]
    async with events.subscribe(1) as stream:
        await events.publish_many(batch)

        received = [await asyncio.wait_for(anext(stream), 10) for _ in range(3)]

    assert received == [payment(1, "a"), PurchaseQueued(user_id=1, tx_id="b"), payment(1, "c")]


async def test_a_subscriber_does_not_hear_other_users(events: Events) -> None:
    async with events.subscribe(1) as mine:
        await events.publish(payment(2, "theirs"))
        await events.publish(payment(1, "mine"))

        assert await asyncio.wait_for(anext(mine), 10) == payment(1, "mine")


async def test_every_subscriber_of_a_user_gets_each_event(events: Events) -> None:
    async with events.subscribe(1) as phone, events.subscribe(1) as laptop:
        await events.publish(payment(1))

        assert await asyncio.wait_for(anext(phone), 10) == payment(1)
        assert await asyncio.wait_for(anext(laptop), 10) == payment(1)


async def test_publishing_with_nobody_listening_is_fine(events: Events) -> None:
    await events.publish(payment(99))


async def test_in_process_subscription_is_removed_on_exit() -> None:
    bus = InProcessEventBus()
    async with bus.subscribe(1):
        assert bus.subscriber_count(1) == 1

    assert bus.subscriber_count(1) == 0


async def test_in_process_slow_subscriber_loses_the_oldest_events_not_the_publisher(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = InProcessEventBus(max_queued=2)
    async with bus.subscribe(1) as stream:
        for tx in ("a", "b", "c"):
            await bus.publish(payment(1, tx))

        assert [await anext(stream), await anext(stream)] == [payment(1, "b"), payment(1, "c")]
    assert "slow" in caplog.text
