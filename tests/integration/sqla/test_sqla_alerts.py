"""Alerts, webhook history and the release of a message set aside, on memory, SQLite and Postgres."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqla_support import T0, USD, at, usd, user
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.inprocess import InProcessEventBus, InProcessRateLimiter, InProcessTaskQueue
from starshop.adapters.resilience import BreakerWatch
from starshop.adapters.sqla.tables import outbox
from starshop.adapters.sqla.uow import SqlaOutboxUnitOfWork, SqlaUnitOfWork
from starshop.adapters.system import SystemClock
from starshop.application.ports import ReceivedWebhook, Released
from starshop.application.use_cases.confirm_payment import ConfirmPayment, PaymentOutcome
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.application.use_cases.release_quarantined_event import ReleaseQuarantinedEvent
from starshop.application.use_cases.watch_operations import WatchOperations
from starshop.domain import Alert, AlertKind, Balance, Defaults, PaymentStatus
from starshop.domain.events import AlertRaised
from starshop.testing.doubles import (
    FixedClock,
    RecordingNotifier,
    ScriptedPaymentGateway,
    ScriptedStarDelivery,
    SequentialIds,
)
from starshop.testing.wiring import default_config, default_policy


def _alert(key: str, kind: AlertKind = AlertKind.FLAGGED, subject: str = "t1", minutes: int = 0) -> Alert:
    return Alert(key=key, kind=kind, subject=subject, text=f"about {subject}", raised_at=at(minutes), user_id=1)


async def test_an_alert_is_stored_once_listed_newest_first_and_acknowledged_once(persistence) -> None:
    async with persistence.outbox_uow() as uow:
        assert await uow.alerts.add(_alert("a"))
        assert not await uow.alerts.add(_alert("a"))  # the same key again: nothing more
        assert await uow.alerts.add(_alert("b", minutes=1))
        await uow.commit()
    async with persistence.outbox_uow() as uow:
        [b, a] = await uow.alerts.recent(limit=10)
        assert (b.key, a.key, a.text, a.kind) == ("b", "a", "about t1", AlertKind.FLAGGED)
        seen = await uow.alerts.acknowledge(a.id, by=7, at=at(5))
        again = await uow.alerts.acknowledge(a.id, by=8, at=at(6))
        assert await uow.alerts.acknowledge(10_000, by=7, at=at(5)) is None
        await uow.commit()
    assert seen is not None and again == seen
    assert (seen.acknowledged_by, seen.acknowledged_at) == (7, at(5))
    async with persistence.outbox_uow() as uow:
        assert [x.key for x in await uow.alerts.recent(limit=10, unacknowledged=True)] == ["b"]
        assert [x.key for x in await uow.alerts.recent(limit=1)] == ["b"]


async def test_a_condition_has_one_open_alert_until_it_is_cleared(persistence) -> None:
    kind = AlertKind.WALLET_LOW
    async with persistence.uow() as uow:
        assert await uow.alerts.condition(kind, "fragment") == (None, 0)
        await uow.alerts.add(Alert.condition(kind, "fragment", crossing=1, text="low", at=at(0)))
        await uow.commit()
    async with persistence.uow() as uow:
        open_alert, count = await uow.alerts.condition(kind, "fragment")
        assert (open_alert.key if open_alert else None, count) == ("wallet_low:fragment:1", 1)
        await uow.alerts.clear(kind, "fragment", at=at(3))
        await uow.commit()
    async with persistence.uow() as uow:
        assert await uow.alerts.condition(kind, "fragment") == (None, 1)
        [cleared] = await uow.alerts.recent(limit=5)
        assert cleared.cleared_at == at(3)


def _webhook(tx_id: str, fingerprint: str, minutes: int = 0, outcome: str = "credited") -> ReceivedWebhook:
    return ReceivedWebhook(
        tx_id=tx_id,
        invoice_uuid="uuid-1",
        status="paid",
        amount=usd("10.00"),
        paid_amount=usd("9.50"),
        outcome=outcome,
        fingerprint=fingerprint,
        received_at=at(minutes),
        last_received_at=at(minutes),
    )


async def test_a_webhook_is_kept_once_per_content_and_a_recharge_keeps_a_bounded_number(persistence) -> None:
    from sqla_support import purchase

    async with persistence.uow() as uow:
        await uow.users.upsert(user(1))
        await uow.balances.ensure(1, USD)
        await uow.transactions.add(purchase("r1", 1))  # any journal row serves as the webhooks' owner here
        await uow.commit()
    async with persistence.uow() as uow:
        assert await uow.webhooks.record(_webhook("r1", "f1"), keep=3)
        assert await uow.webhooks.record(_webhook("r1", "f1", minutes=2, outcome="duplicate"), keep=3)
        assert await uow.webhooks.record(_webhook("r1", "f2", minutes=3), keep=3)
        assert await uow.webhooks.record(_webhook("r1", "f3", minutes=4), keep=3)
        assert not await uow.webhooks.record(_webhook("r1", "f4", minutes=5), keep=3)  # over the bound: not kept
        assert await uow.webhooks.record(_webhook("r1", "f3", minutes=6), keep=3)  # a repeat still counts
        await uow.commit()
    async with persistence.uow() as uow:
        kept = await uow.webhooks.of("r1")
    assert [(w.fingerprint, w.repeats, w.outcome) for w in kept] == [
        ("f1", 1, "credited"),
        ("f2", 0, "credited"),
        ("f3", 1, "credited"),
    ]
    assert (kept[0].received_at, kept[0].last_received_at, kept[0].paid_amount) == (at(0), at(2), usd("9.50"))


async def test_one_webhook_replayed_thirty_times_at_once_credits_once_and_is_kept_once(sql_engine: AsyncEngine) -> None:
    config, clock, ids = default_config(), FixedClock(), SequentialIds()
    gateway = ScriptedPaymentGateway(clock, lifetime=config.invoice_lifetime)
    async with SqlaUnitOfWork(sql_engine, SystemClock()) as uow:
        await uow.users.upsert(user(1))
        await uow.balances.ensure(1, USD)
        await uow.commit()
    create = CreateRecharge(SqlaUnitOfWork(sql_engine, clock), gateway, clock, ids, InProcessRateLimiter({}), config)
    made = await create(CreateRechargeInput(user_id=1, amount=usd("25.00")))
    assert made.recharge.order_id is not None
    note = gateway.set_status(made.recharge.order_id, PaymentStatus.PAID)

    outcomes = await asyncio.gather(
        *(ConfirmPayment(SqlaUnitOfWork(sql_engine, clock), clock, config)(note, webhook=True) for _ in range(30))
    )
    await ConfirmPayment(SqlaUnitOfWork(sql_engine, clock), clock, config)(note)  # a lookup: not a webhook

    assert outcomes.count(PaymentOutcome.CREDITED) == 1
    async with SqlaUnitOfWork(sql_engine, SystemClock()) as uow:
        assert await uow.balances.get(1) == Balance(1, usd("25.00"), usd("0"))
        [kept] = await uow.webhooks.of(made.recharge.id)
    assert (kept.outcome, kept.repeats, kept.status, kept.amount) == ("credited", 29, "paid", usd("25.00"))


async def test_a_message_set_aside_alerts_once_is_released_and_alerts_again_when_set_aside_again(
    sql_engine: AsyncEngine,
) -> None:
    row = {"key": "poison", "kind": "gift_wrapped", "user_id": 1, "attempts": 0, "created_at": T0}
    async with sql_engine.begin() as conn:
        await conn.execute(insert(outbox).values(**row, payload={"kind": "gift_wrapped", "user_id": 1, "tx_id": "x"}))
    clock, notifier = FixedClock(), RecordingNotifier()
    delivery = ScriptedStarDelivery()
    delivery.wallet = None

    def relay() -> RelayOutbox:
        return RelayOutbox(SqlaOutboxUnitOfWork(sql_engine), notifier, InProcessEventBus(), InProcessTaskQueue(), clock)

    def watch() -> WatchOperations:
        uow, outbox_uow = SqlaUnitOfWork(sql_engine, clock), SqlaOutboxUnitOfWork(sql_engine)
        return WatchOperations(uow, outbox_uow, delivery, BreakerWatch({}), clock, Defaults(policy=default_policy()))

    release = ReleaseQuarantinedEvent(SqlaOutboxUnitOfWork(sql_engine))
    await relay()()  # sets the poison row aside
    assert (await watch()()).raised == 1
    assert (await watch()()).raised == 0  # the same setting aside: one alert
    await relay()()
    assert [e.alert for e in notifier.sent if isinstance(e, AlertRaised)] == ["outbox_quarantined"]
    async with SqlaOutboxUnitOfWork(sql_engine) as uow:
        [message] = await uow.outbox_reader.quarantined(limit=5)

    assert await release(message.id, operator=3) is Released.RELEASED
    assert await release(message.id, operator=3) is Released.WAITING  # again: nothing more
    clock.advance(timedelta(minutes=1))
    await relay()()  # this release still cannot read it: set aside again
    assert (await watch()()).raised == 1
    async with SqlaOutboxUnitOfWork(sql_engine) as uow:
        assert [m.id for m in await uow.outbox_reader.quarantined(limit=5)] == [message.id]
        alerts = await uow.alerts.recent(limit=5)
        assert await uow.outbox_reader.release(10_000) is Released.UNKNOWN
    assert [a.kind for a in alerts] == [AlertKind.OUTBOX_QUARANTINED] * 2


async def test_a_released_message_a_new_release_can_read_is_relayed(sql_engine: AsyncEngine) -> None:
    """As if the release that reads it was deployed: the row is repaired in place here, then released."""
    row = {"key": "poison", "kind": "purchase_queued", "user_id": 1, "attempts": 0, "created_at": T0}
    async with sql_engine.begin() as conn:
        await conn.execute(insert(outbox).values(**row, payload={"kind": "purchase_queued", "user_id": 1}))
    clock, queue = FixedClock(), InProcessTaskQueue()
    relay = RelayOutbox(SqlaOutboxUnitOfWork(sql_engine), RecordingNotifier(), InProcessEventBus(), queue, clock)
    await relay()
    async with sql_engine.begin() as conn:
        readable = {"kind": "purchase_queued", "user_id": 1, "tx_id": "t7"}
        await conn.execute(update(outbox).where(outbox.c.key == "poison").values(payload=readable))
        [message_id] = (await conn.execute(outbox.select().with_only_columns(outbox.c.id))).scalars().all()
    assert await ReleaseQuarantinedEvent(SqlaOutboxUnitOfWork(sql_engine))(message_id, operator=1) is Released.RELEASED
    report = await relay()
    assert (report.claimed, report.delivered) == (1, 1)
    assert queue.drain() == [("deliver_purchase", "t7")]
