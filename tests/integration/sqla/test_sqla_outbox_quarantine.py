"""A poison outbox row never blocks the relay (SQLite and Postgres).

A row this release cannot decode (an event kind from a newer release during a rolling deploy, a damaged payload)
used to make every claim fail, so no notification and no delivery task left the outbox. Now it is set aside:
kept, never claimed again, listed for operators; the rows around it flow.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.inprocess import InProcessEventBus, InProcessTaskQueue
from starshop.adapters.sqla.readers import outbox_backlog
from starshop.adapters.sqla.tables import outbox
from starshop.adapters.sqla.uow import SqlaOutboxUnitOfWork, SqlaUnitOfWork
from starshop.adapters.system import SystemClock
from starshop.application.ports import DELIVER_PURCHASE
from starshop.application.use_cases.list_quarantined_events import ListQuarantinedEvents
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.domain.events import PurchaseQueued
from starshop.testing.doubles import FixedClock, RecordingNotifier

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
POISONS = [
    pytest.param(
        "gift_wrapped", {"kind": "gift_wrapped", "user_id": 1, "tx_id": "t2"}, "unknown event kind", id="kind"
    ),
    pytest.param("purchase_queued", {"kind": "purchase_queued", "user_id": 1}, "tx_id", id="payload"),
]


async def _poison(engine: AsyncEngine, kind: str, payload: dict[str, object]) -> None:
    row = {"key": "poison", "kind": kind, "user_id": 1, "payload": payload, "attempts": 0, "created_at": T0}
    async with engine.begin() as conn:
        await conn.execute(insert(outbox).values(**row))


async def _queue(engine: AsyncEngine, tx_id: str) -> None:
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        await uow.outbox.add(PurchaseQueued(user_id=1, tx_id=tx_id))
        await uow.commit()


@pytest.mark.parametrize(("kind", "payload", "reason"), POISONS)
async def test_a_poison_row_between_good_rows_is_set_aside_and_the_good_rows_are_relayed(
    sql_engine: AsyncEngine, kind: str, payload: dict[str, object], reason: str
) -> None:
    await _queue(sql_engine, "t1")
    await _poison(sql_engine, kind, payload)
    await _queue(sql_engine, "t3")
    clock, queue, notifier, publisher = FixedClock(), InProcessTaskQueue(), RecordingNotifier(), InProcessEventBus()

    def relay() -> RelayOutbox:
        return RelayOutbox(SqlaOutboxUnitOfWork(sql_engine), notifier, publisher, queue, clock)

    report = await relay()()

    assert (report.claimed, report.delivered, report.failed) == (2, 2, 0)
    assert queue.drain() == [(DELIVER_PURCHASE, "t1"), (DELIVER_PURCHASE, "t3")]
    clock.advance(timedelta(hours=1))  # every lease has run out: the poison row is still never claimed again
    assert (await relay()()).claimed == 0
    [listed] = await ListQuarantinedEvents(SqlaOutboxUnitOfWork(sql_engine))(limit=10)
    assert (listed.key, listed.kind, listed.user_id, listed.payload) == ("poison", kind, 1, payload)
    assert reason in listed.reason
    assert listed.quarantined_at == clock.now() - timedelta(hours=1)
    assert await outbox_backlog(sql_engine, now=clock.now()) == (0, 0.0, 1)  # nothing waits; one row is set aside
