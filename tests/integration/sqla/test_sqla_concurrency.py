"""Real concurrency on Postgres and SQLite: separate connections, `asyncio.gather`, the database guards."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqla_support import USD, at, usd, user
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.inprocess import InProcessRateLimiter
from starshop.adapters.sqla.readers import SqlaLedgerReader
from starshop.adapters.sqla.uow import SqlaUnitOfWork
from starshop.adapters.system import SystemClock
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.confirm_payment import ConfirmPayment, PaymentOutcome
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.domain import Balance, Defaults, InsufficientFunds, PaymentStatus, Transaction, TxStatus, TxType
from starshop.testing.doubles import FixedClock, ScriptedPaymentGateway, ScriptedStarDelivery, SequentialIds
from starshop.testing.wiring import default_config, default_policy, default_premium

BUYERS = 200
AFFORDABLE = 37


async def _user_with_bonus(uow_factory: Callable[[], SqlaUnitOfWork], amount: str) -> None:
    async with uow_factory() as uow:
        await uow.users.upsert(user(1))
        await uow.balances.ensure(1, USD)
        await uow.balances.credit(1, usd(amount))
        await uow.transactions.add(
            Transaction(
                id="bonus",
                user_id=1,
                type=TxType.BONUS,
                status=TxStatus.COMPLETED,
                amount=usd(amount),
                created_at=at(0),
                updated_at=at(0),
            )
        )
        await uow.commit()


async def test_concurrent_purchases_hold_exactly_what_the_balance_covers(sql_engine: AsyncEngine) -> None:
    engine = sql_engine
    policy, config = default_policy(), default_config()
    price = policy.price(50)
    await _user_with_bonus(lambda: SqlaUnitOfWork(engine, SystemClock()), str(price.amount * AFFORDABLE))
    clock, ids, delivery, limiter = FixedClock(), SequentialIds(), ScriptedStarDelivery(), InProcessRateLimiter({})
    gateway = ScriptedPaymentGateway(clock, lifetime=config.invoice_lifetime)

    async def buy(n: int) -> object:
        use_case = BuyStars(
            SqlaUnitOfWork(engine, clock),
            Defaults(policy=policy, premium=default_premium()),
            delivery,
            gateway,
            clock,
            ids,
            limiter,
            config,
        )
        try:
            return await use_case(BuyStarsInput(user_id=1, stars=50, recipient="somebody", idempotency_key=f"k{n}"))
        except InsufficientFunds as exc:
            return exc

    results = await asyncio.gather(*(buy(n) for n in range(BUYERS)))

    refused = [r for r in results if isinstance(r, InsufficientFunds)]
    assert len(refused) == BUYERS - AFFORDABLE
    assert all(r.missing is not None and r.missing.is_positive for r in refused)
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        balance = await uow.balances.get(1)
    total = price.amount * AFFORDABLE
    assert balance == Balance(1, usd(str(total)), usd(str(total)))
    [totals] = await SqlaLedgerReader(engine).totals()
    assert (totals.amount, totals.held) == (totals.journal_amount, totals.journal_held) == (total, total)


async def test_one_paid_notification_delivered_fifty_times_at_once_credits_once(sql_engine: AsyncEngine) -> None:
    engine = sql_engine
    config, clock, ids = default_config(), FixedClock(), SequentialIds()
    gateway = ScriptedPaymentGateway(clock, lifetime=config.invoice_lifetime)
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        await uow.users.upsert(user(1))
        await uow.balances.ensure(1, USD)
        await uow.commit()
    create = CreateRecharge(SqlaUnitOfWork(engine, clock), gateway, clock, ids, InProcessRateLimiter({}), config)
    result = await create(CreateRechargeInput(user_id=1, amount=usd("25.00")))
    assert result.recharge.order_id is not None
    note = gateway.set_status(result.recharge.order_id, PaymentStatus.PAID)

    outcomes = await asyncio.gather(
        *(ConfirmPayment(SqlaUnitOfWork(engine, clock), clock, config)(note) for _ in range(50))
    )

    assert outcomes.count(PaymentOutcome.CREDITED) == 1
    assert set(outcomes) <= {PaymentOutcome.CREDITED, PaymentOutcome.DUPLICATE, PaymentOutcome.IGNORED}
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        assert await uow.balances.get(1) == Balance(1, usd("25.00"), usd("0"))
    [totals] = await SqlaLedgerReader(engine).totals()
    assert totals.journal_amount == totals.amount


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE balances SET held = amount + 1",
        "UPDATE balances SET amount = -1, held = 0",
        "UPDATE balances SET held = -1",
        "UPDATE transactions SET amount = -amount",
        "UPDATE transactions SET status = 'lost'",
        "UPDATE transactions SET type = 'gift'",
    ],
)
async def test_the_database_refuses_rows_that_break_the_rules(sql_engine: AsyncEngine, statement: str) -> None:
    engine = sql_engine
    await _user_with_bonus(lambda: SqlaUnitOfWork(engine, SystemClock()), "5.00")
    with pytest.raises(IntegrityError):
        async with sql_engine.begin() as conn:
            await conn.execute(text(statement))
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        assert await uow.balances.get(1) == Balance(1, usd("5.00"), usd("0"))
