"""Every accepted currency is stored exactly, on SQLite and Postgres: 18-decimal ETH survives the money columns,
the balance changes done in SQL, the ledger sums, and the migration from the 9-decimal columns of 0001."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqla_support import at, create_database, database_url, drop_database, user
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.sqla.engine import create_engine
from starshop.adapters.sqla.migrate import downgrade, upgrade
from starshop.adapters.sqla.readers import SqlaLedgerReader, SqlaTransactionReader
from starshop.adapters.sqla.uow import SqlaUnitOfWork
from starshop.adapters.system import SystemClock
from starshop.domain import Balance, Currency, Money, Transaction, TxStatus, TxType

ETH = Currency.of("ETH")
WEI = "0.123456789123456789"


def eth(value: str) -> Money:
    return Money.of(value, ETH)


def _completed(tx_id: str, tx_type: TxType, amount: Money) -> Transaction:
    return Transaction(
        id=tx_id, user_id=1, type=tx_type, status=TxStatus.COMPLETED, amount=amount, created_at=at(0),
        updated_at=at(0), invoice_amount=amount if tx_type is TxType.RECHARGE else None,
        order_id=tx_id if tx_type is TxType.RECHARGE else None,
    )  # fmt: skip


async def test_eighteen_decimal_ether_round_trips_through_rows_sql_changes_and_sums(sql_engine: AsyncEngine) -> None:
    async with SqlaUnitOfWork(sql_engine, SystemClock()) as uow:
        await uow.users.upsert(user(1))
        await uow.balances.ensure(1, ETH)
        await uow.transactions.add(_completed("r1", TxType.RECHARGE, eth(WEI)))
        await uow.balances.credit(1, eth(WEI))
        await uow.transactions.add(_completed("r2", TxType.RECHARGE, eth("1234567890.000000000000000001")))
        await uow.balances.credit(1, eth("1234567890.000000000000000001"))
        await uow.balances.hold(1, eth("0.000000000000000003"))
        await uow.balances.capture(1, eth("0.000000000000000001"))
        await uow.balances.release(1, eth("0.000000000000000002"))
        await uow.commit()

    async with SqlaUnitOfWork(sql_engine, SystemClock()) as uow:
        balance = await uow.balances.get(1)
        stored = await uow.transactions.get("r1")
    assert balance == Balance(1, eth("1234567890.123456789123456789"), eth("0"))
    assert stored is not None and stored.amount == stored.invoice_amount == eth(WEI)
    stats = await SqlaTransactionReader(sql_engine).stats()
    assert stats.completed_recharges == Decimal("1234567890.123456789123456790")
    assert stats.total_balance == Decimal("1234567890.123456789123456789")
    [totals] = await SqlaLedgerReader(sql_engine).totals()
    assert totals.journal_amount == Decimal("1234567890.123456789123456790")
    assert totals.amount == Decimal("1234567890.123456789123456789")  # the captured wei has no journal row here


async def test_a_hold_of_one_wei_more_than_available_is_refused_in_sql(sql_engine: AsyncEngine) -> None:
    async with SqlaUnitOfWork(sql_engine, SystemClock()) as uow:
        await uow.users.upsert(user(1))
        await uow.balances.ensure(1, ETH)
        await uow.balances.credit(1, eth(WEI))
        await uow.commit()
    async with SqlaUnitOfWork(sql_engine, SystemClock()) as uow:
        with pytest.raises(Exception, match="insufficient funds"):
            await uow.balances.hold(1, eth("0.123456789123456790"))
        assert await uow.balances.hold(1, eth(WEI)) == Balance(1, eth(WEI), eth(WEI))


async def test_the_database_refuses_a_hold_one_wei_above_the_amount(sql_engine: AsyncEngine) -> None:
    async with SqlaUnitOfWork(sql_engine, SystemClock()) as uow:
        await uow.users.upsert(user(1))
        await uow.balances.ensure(1, ETH)
        await uow.balances.credit(1, eth(WEI))
        await uow.commit()
    with pytest.raises(IntegrityError):
        async with sql_engine.begin() as conn:
            await conn.execute(text("UPDATE balances SET held = :held"), {"held": "0.123456789123456790"})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def url_at_0001(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        await upgrade(url, "0001")
        yield url
        return
    name = await create_database()
    try:
        await upgrade(database_url(name), "0001")
        yield database_url(name)
    finally:
        await drop_database(name)


INSERT_USER = "INSERT INTO users (user_id, created_at, updated_at) VALUES (1, :t, :t)"
INSERT_BALANCE = (
    "INSERT INTO balances (user_id, amount, held, currency, created_at, updated_at) VALUES (1, :a, :h, 'USD', :t, :t)"
)
INSERT_TX = (
    "INSERT INTO transactions (id, user_id, type, status, amount, currency, invoice_amount, created_at, updated_at)"
    " VALUES (:id, 1, :type, 'completed', :a, 'USD', :i, :t, :t)"
)


async def test_migrating_keeps_every_stored_amount_and_back_again(url_at_0001: str) -> None:
    engine = create_engine(url_at_0001)
    sqlite = engine.dialect.name == "sqlite"
    # 0001's own representation: NUMERIC(20, 9) on Postgres, integer 10^-9 units on SQLite.
    raw = (lambda d: int(Decimal(d) * 10**9)) if sqlite else Decimal
    try:
        async with engine.begin() as conn:
            t = "2026-01-01 00:00:00" if sqlite else at(0)
            await conn.execute(text(INSERT_USER), {"t": t})
            await conn.execute(text(INSERT_BALANCE), {"a": raw("12.5"), "h": raw("0.000000001"), "t": t})
            rows = [("r", "recharge", "12.5", "12.5"), ("a", "adjustment", "-0.5", None), ("b", "bonus", "0.5", None)]
            for tx_id, tx_type, amount, invoice in rows:
                params = {"id": tx_id, "type": tx_type, "a": raw(amount), "i": invoice and raw(invoice), "t": t}
                await conn.execute(text(INSERT_TX), params)
    finally:
        await engine.dispose()

    await upgrade(url_at_0001)

    engine = create_engine(url_at_0001)
    try:
        async with SqlaUnitOfWork(engine, SystemClock()) as uow:
            assert await uow.balances.get(1) == Balance(1, Money.of("12.50", Currency.of("USD")), Money.of("0", USD))
            assert (await uow.balances.hold(1, Money.of("12.49", USD))).held.amount == Decimal("12.49")
            adjustment, recharge = await uow.transactions.get("a"), await uow.transactions.get("r")
            await uow.rollback()
        assert adjustment is not None and adjustment.amount == Money.of("-0.5", USD)
        assert recharge is not None and recharge.invoice_amount == Money.of("12.5", USD)
        async with engine.connect() as conn:
            raw_held = (await conn.execute(text("SELECT held FROM balances"))).scalar_one()
        assert Decimal(str(raw_held)) == Decimal("0.000000001")
        [totals] = await SqlaLedgerReader(engine).totals()
        assert totals.journal_amount == Decimal("12.50")
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE transactions SET amount = :a WHERE id = 'b'"), {"a": WEI})
        with pytest.raises(RuntimeError, match="more than 9 decimals"):
            await downgrade(url_at_0001, "0001")
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE transactions SET amount = :a WHERE id = 'b'"), {"a": "0.5"})
    finally:
        await engine.dispose()

    await downgrade(url_at_0001, "0001")

    engine = create_engine(url_at_0001)
    try:
        async with engine.connect() as conn:
            amounts = (await conn.execute(text("SELECT amount, held FROM balances"))).one()
            adjustment = (await conn.execute(text("SELECT amount FROM transactions WHERE id = 'a'"))).scalar_one()
        assert tuple(amounts) == (raw("12.5"), raw("0.000000001"))
        assert adjustment == raw("-0.5")
    finally:
        await engine.dispose()


USD = Currency.of("USD")
