"""On Postgres the repositories' statements go over asyncpg: when a transaction begins, what a commit sends, errors.

The contract suites prove the results equal SQLite's and memory's; these tests pin what is particular to the
asyncpg path, by looking at the server's own view of the connection.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from starshop.adapters.sqla.engine import create_engine
from starshop.adapters.sqla.execution import AsyncpgExecution, Query
from starshop.adapters.sqla.queries import BALANCE
from starshop.adapters.sqla.uow import SqlaUnitOfWork
from starshop.adapters.system import SystemClock
from starshop.domain import Currency, Money, User
from starshop.domain.events import BalanceChanged

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
USD = Currency.of("USD")


@pytest.fixture
async def engine(pg_url):
    engine = create_engine(pg_url, pool_size=2, max_overflow=0)
    yield engine
    await engine.dispose()


async def _registered(engine, user_id: int) -> None:
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        await uow.users.upsert(User(user_id=user_id, created_at=NOW, updated_at=NOW))
        await uow.balances.ensure(user_id, USD)
        await uow.commit()


async def test_plain_reads_run_without_a_transaction_and_the_first_lock_begins_one(engine):
    await _registered(engine, 7)
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        assert isinstance(uow.execution, AsyncpgExecution)
        assert (await uow.balances.get(7)) is not None
        assert await uow.users.get(7) is not None
        assert not uow.execution.in_transaction
        assert not uow.execution._driver.is_in_transaction()  # nothing was sent but the two SELECTs
        await uow.transactions.daily_usage(7, NOW)  # locks the balance row: BEGIN first
        assert uow.execution.in_transaction
        assert uow.execution._driver.is_in_transaction()
        await uow.commit()
        assert not uow.execution._driver.is_in_transaction()


async def test_a_commit_writes_its_events_in_one_statement_with_the_change(engine):
    await _registered(engine, 8)
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        balance = await uow.balances.credit(8, Money.of("5", USD))
        for reason in ("a", "b", "a"):  # the repeated key is dropped, as a stored one would be
            await uow.outbox.add(
                BalanceChanged(user_id=8, tx_id=f"tx-{reason}", amount=balance.amount, held=balance.held, reason=reason)
            )
        async with engine.connect() as other:  # nothing is visible, and no event row exists yet, before the commit
            assert (await other.execute(text("SELECT count(*) FROM outbox"))).scalar() == 0
        await uow.commit()
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar() == 2
        assert (await conn.execute(text("SELECT amount FROM balances WHERE user_id = 8"))).scalar() == Decimal("5")


async def test_leaving_without_a_commit_rolls_back_and_drops_the_kept_events(engine):
    await _registered(engine, 9)
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        balance = await uow.balances.credit(9, Money.of("5", USD))
        await uow.outbox.add(
            BalanceChanged(user_id=9, tx_id="tx", amount=balance.amount, held=balance.held, reason="x")
        )
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar() == 0
        assert (await conn.execute(text("SELECT amount FROM balances WHERE user_id = 9"))).scalar() == Decimal("0")


async def test_a_violated_constraint_reads_as_sqlalchemys_integrity_error_with_the_sqlstate(engine):
    await _registered(engine, 10)
    duplicate = Query(text("INSERT INTO users (user_id, created_at, updated_at) VALUES (10, now(), now())"))
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        with pytest.raises(IntegrityError) as caught:
            await uow.execution.run(duplicate)
    assert getattr(caught.value.orig, "sqlstate", None) == "23505"


async def test_each_statement_is_compiled_once_per_set_of_parameters(engine):
    await _registered(engine, 11)
    before = len(BALANCE.compiled)
    for _ in range(3):
        async with SqlaUnitOfWork(engine, SystemClock()) as uow:
            await uow.balances.get(11)
    assert len(BALANCE.compiled) - before <= 1
    assert BALANCE.plain_read


async def test_a_missing_parameter_is_refused_not_sent_as_null(engine):
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        with pytest.raises(ValueError, match="'user_id'"):
            await uow.execution.rows(BALANCE, {})
