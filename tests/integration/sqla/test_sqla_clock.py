"""The SQL adapter takes its time from the application's ``Clock``, never from the machine's: a balance's
``created_at``/``updated_at``, an outbox row's ``created_at`` and the outbox lag are what the clock says, so a
test that moves the clock, or a deployment that injects another, sees the same time in every row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.sqla.readers import outbox_backlog
from starshop.adapters.sqla.tables import balances, outbox
from starshop.adapters.sqla.uow import SqlaUnitOfWork
from starshop.domain import Currency, Money, User
from starshop.domain.events import BalanceChanged
from starshop.testing.doubles import FixedClock

USD = Currency.of("USD")
LONG_AGO = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)  # far from the machine's time


async def test_balance_and_outbox_timestamps_come_from_the_clock(sql_engine: AsyncEngine) -> None:
    clock = FixedClock(LONG_AGO)
    async with SqlaUnitOfWork(sql_engine, clock) as uow:
        await uow.users.upsert(User(user_id=5, created_at=LONG_AGO, updated_at=LONG_AGO))
        await uow.balances.ensure(5, USD)
        await uow.commit()
    clock.advance(timedelta(minutes=7))
    async with SqlaUnitOfWork(sql_engine, clock) as uow:
        balance = await uow.balances.credit(5, Money.of("3", USD))
        await uow.outbox.add(BalanceChanged(user_id=5, tx_id="t", amount=balance.amount, held=balance.held, reason="x"))
        await uow.commit()

    async with sql_engine.connect() as conn:
        stamps = (await conn.execute(select(balances.c.created_at, balances.c.updated_at))).one()
        [queued_at] = (await conn.execute(select(outbox.c.created_at))).scalars()
    assert tuple(stamps) == (LONG_AGO, LONG_AGO + timedelta(minutes=7))
    assert queued_at == LONG_AGO + timedelta(minutes=7)
    assert await outbox_backlog(sql_engine, now=queued_at + timedelta(seconds=90)) == (1, 90.0, 0)
