"""The ledger audit knows what each purchase bought: a purchase that names no product it can buy (stars without a
count, Premium without 3, 6 or 12 months, or both) is reported, on SQLite and Postgres alike, even when it got past
the database's own CHECK (dropped by hand here, as a restore from an older dump could)."""

from __future__ import annotations

from sqla_support import USD, at, purchase, usd, user
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.sqla.readers import SqlaLedgerReader
from starshop.adapters.sqla.uow import SqlaUnitOfWork
from starshop.adapters.system import SystemClock
from starshop.application.use_cases.audit_ledger import AuditLedger
from starshop.domain import Product, Transaction, TxStatus, TxType


async def _bought(engine: AsyncEngine, *purchases: Transaction) -> None:
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        await uow.users.upsert(user(1))
        await uow.balances.ensure(1, USD)
        await uow.balances.credit(1, usd("100"))
        bonus = Transaction(
            id="bonus",
            user_id=1,
            type=TxType.BONUS,
            status=TxStatus.COMPLETED,
            amount=usd("100"),
            created_at=at(0),
            updated_at=at(0),
        )
        await uow.transactions.add(bonus)
        for tx in purchases:
            await uow.transactions.add(tx)
        await uow.commit()


def _done(tx: Transaction) -> Transaction:
    return tx.evolve(status=TxStatus.FAILED)


async def test_stars_and_premium_purchases_audit_clean(sql_engine: AsyncEngine) -> None:
    gift = purchase("p2", 1, stars=None, product=Product.PREMIUM, months=6)
    await _bought(sql_engine, _done(purchase("p1", 1)), _done(gift))
    report = await AuditLedger(SqlaLedgerReader(sql_engine))()
    assert report.ok, report


async def test_a_purchase_that_names_no_product_it_can_buy_is_reported(sql_engine: AsyncEngine) -> None:
    await _bought(sql_engine, _done(purchase("p1", 1)))
    async with sql_engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            await conn.execute(text("PRAGMA ignore_check_constraints = ON"))
        else:
            await conn.execute(text("ALTER TABLE transactions DROP CONSTRAINT ck_transactions_product_fields"))
        await conn.execute(text("UPDATE transactions SET product = 'premium', months = 5 WHERE id = 'p1'"))
        if conn.dialect.name == "sqlite":
            await conn.execute(text("PRAGMA ignore_check_constraints = OFF"))
    report = await AuditLedger(SqlaLedgerReader(sql_engine))()
    [violation] = report.violations
    assert violation.user_id == 1
    assert violation.problems == ("1 purchases name no product they can buy (stars, or 3, 6 or 12 months of Premium)",)
