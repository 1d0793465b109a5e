"""The one-step credit (``PaymentCredits``, migrations 0011 and 0012): decided on an unlocked read, written (with
the webhook's history row) only if neither the recharge nor its balance changed meanwhile; otherwise nothing is
written and ``ConfirmPayment`` decides under the lock. Real Postgres, separate connections."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqla_support import USD, usd, user
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.events_codec import event_to_dict
from starshop.adapters.inprocess import InProcessRateLimiter
from starshop.adapters.sqla.execution import Execution
from starshop.adapters.sqla.readers import SqlaLedgerReader
from starshop.adapters.sqla.uow import SqlaUnitOfWork
from starshop.adapters.system import SystemClock
from starshop.application.use_cases.confirm_payment import ConfirmPayment, PaymentOutcome
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.domain import Balance, PaymentStatus, TxStatus
from starshop.domain.events import BalanceChanged, PaymentReceived
from starshop.testing.doubles import FixedClock, ScriptedPaymentGateway, SequentialIds
from starshop.testing.wiring import default_config

pytestmark = pytest.mark.postgres
USERS = 4
RECHARGES = 40


@pytest.fixture
async def engine(pg_engine: AsyncEngine) -> AsyncEngine:
    async with SqlaUnitOfWork(pg_engine, SystemClock()) as uow:
        for user_id in range(1, USERS + 1):
            await uow.users.upsert(user(user_id))
            await uow.balances.ensure(user_id, USD)
        await uow.commit()
    return pg_engine


async def _paid_recharge(engine: AsyncEngine, clock: FixedClock, ids: SequentialIds, user_id: int, amount: str):
    config = default_config()
    gateway = ScriptedPaymentGateway(clock, lifetime=config.invoice_lifetime)
    create = CreateRecharge(SqlaUnitOfWork(engine, clock), gateway, clock, ids, InProcessRateLimiter({}), config)
    made = await create(CreateRechargeInput(user_id=user_id, amount=usd(amount)))
    assert made.recharge.order_id is not None
    return made.recharge, gateway.set_status(made.recharge.order_id, PaymentStatus.PAID)


class _Watched(SqlaUnitOfWork):
    """Records what each one-step credit answered."""

    applied: list[bool]

    def _bind(self, x: Execution) -> None:
        super()._bind(x)
        apply, self.applied = self.credits.apply, getattr(self, "applied", [])

        async def watched(*args: Any) -> bool:
            self.applied.append(await apply(*args))
            return self.applied[-1]

        self.credits.apply = watched  # type: ignore[method-assign]


async def _outbox(engine: AsyncEngine) -> list[dict]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT payload FROM outbox ORDER BY id"))
        return [row[0] for row in rows]


async def test_a_paid_recharge_is_credited_in_one_step_with_the_events_the_locked_way_writes(
    engine: AsyncEngine,
) -> None:
    clock, ids = FixedClock(), SequentialIds()
    recharge, note = await _paid_recharge(engine, clock, ids, 1, "25.00")
    uow = _Watched(engine, clock)
    async with uow:
        seen = await uow.credits.snapshot(note.order_id)
    assert seen is not None and seen.tx == recharge and seen.balance == Balance(1, usd("0"), usd("0"))

    assert await ConfirmPayment(uow, clock, default_config())(note) is PaymentOutcome.CREDITED
    assert uow.applied == [True]

    async with SqlaUnitOfWork(engine, clock) as check:
        assert await check.balances.get(1) == Balance(1, usd("25.00"), usd("0"))
        stored = await check.transactions.get(recharge.id)
    assert stored == recharge.evolve(status=TxStatus.COMPLETED, gateway_status="paid", updated_at=clock.now())
    assert await _outbox(engine) == [
        event_to_dict(PaymentReceived(user_id=1, tx_id=recharge.id, amount=usd("25.00"), balance=usd("25.00"))),
        event_to_dict(
            BalanceChanged(user_id=1, tx_id=recharge.id, amount=usd("25.00"), held=usd("0"), reason="recharge")
        ),
    ]


async def test_a_webhook_credited_in_one_step_is_kept_in_the_history_in_that_step_and_its_repeat_counted(
    engine: AsyncEngine,
) -> None:
    clock, ids = FixedClock(), SequentialIds()
    recharge, note = await _paid_recharge(engine, clock, ids, 2, "10.00")
    uow = _Watched(engine, clock)
    confirm = ConfirmPayment(uow, clock, default_config())
    assert await confirm(note, webhook=True) is PaymentOutcome.CREDITED
    assert uow.applied == [True]  # the one step, history included
    assert await confirm(note, webhook=True) is PaymentOutcome.DUPLICATE  # the locked way: completed already
    async with SqlaUnitOfWork(engine, clock) as check:
        [kept] = await check.webhooks.of(recharge.id)
    assert (kept.outcome, kept.status, kept.amount, kept.repeats) == ("credited", "paid", usd("10.00"), 1)
    assert kept.invoice_uuid == note.invoice_uuid and kept.received_at == clock.now()


async def test_a_recharge_an_order_waits_for_is_never_credited_in_one_step(engine: AsyncEngine) -> None:
    clock, ids = FixedClock(), SequentialIds()
    recharge, note = await _paid_recharge(engine, clock, ids, 3, "10.00")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO waiting_orders (recharge_id, user_id, stars, recipient, price, currency, state,"
                " created_at, updated_at) VALUES (:id, 3, 100, 'gift_wait', 1.65, 'USD', 'waiting', now(), now())"
            ),
            {"id": recharge.id},
        )
    uow = _Watched(engine, clock)
    async with uow:
        seen = await uow.credits.snapshot(note.order_id)
    assert seen is not None and seen.has_order
    assert await ConfirmPayment(uow, clock, default_config())(note, webhook=True) is PaymentOutcome.CREDITED
    assert uow.applied == []  # the locked way, which also queues the order (OrderFunded)
    assert "order_funded" in await _kinds(engine)


async def _kinds(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return [row[0] for row in await conn.execute(text("SELECT kind FROM outbox ORDER BY id"))]


@pytest.mark.parametrize(
    "meanwhile",
    [
        "UPDATE transactions SET checked_at = now() WHERE type = 'recharge'",
        "UPDATE transactions SET status = 'expired' WHERE type = 'recharge'",
        "UPDATE balances SET amount = amount + 1",
        "UPDATE balances SET amount = amount + 1, held = held + 1",
    ],
)
async def test_nothing_is_written_in_one_step_when_the_recharge_or_the_balance_changed_since_the_read(
    engine: AsyncEngine, meanwhile: str
) -> None:
    clock, ids = FixedClock(), SequentialIds()
    recharge, note = await _paid_recharge(engine, clock, ids, 1, "25.00")
    uow = SqlaUnitOfWork(engine, clock)
    async with uow:
        seen = await uow.credits.snapshot(note.order_id)
    assert seen is not None
    async with engine.begin() as conn:
        await conn.execute(text(meanwhile))
    async with engine.connect() as conn:
        before = (await conn.execute(text("SELECT amount, held FROM balances WHERE user_id = 1"))).one()
    done = recharge.evolve(status=TxStatus.COMPLETED, gateway_status="paid", updated_at=clock.now())
    balance = seen.balance.credit(recharge.amount)

    async with uow:
        assert not await uow.credits.apply(seen, done, balance, [])
        await uow.commit()

    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT amount, held FROM balances WHERE user_id = 1"))).one() == before
        status = (await conn.execute(text("SELECT status FROM transactions WHERE type = 'recharge'"))).scalar()
    assert status != "completed"
    assert await _outbox(engine) == []


async def test_many_recharges_of_few_users_paid_at_once_each_credit_once(engine: AsyncEngine) -> None:
    """Balances change under each other's reads: the refused one-step credits are decided again under the lock."""
    clock, ids = FixedClock(), SequentialIds()
    paid = [await _paid_recharge(engine, clock, ids, 1 + n % USERS, f"{n + 1}.00") for n in range(RECHARGES)]
    notes = [note for _, note in paid] * 2  # and each one delivered twice

    uows = [_Watched(engine, clock) for _ in notes]
    outcomes = await asyncio.gather(
        *(ConfirmPayment(uow, clock, default_config())(note) for uow, note in zip(uows, notes, strict=True))
    )

    assert outcomes.count(PaymentOutcome.CREDITED) == RECHARGES
    assert set(outcomes) == {PaymentOutcome.CREDITED, PaymentOutcome.DUPLICATE}
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        for user_id in range(1, USERS + 1):
            expected = sum(n + 1 for n in range(RECHARGES) if 1 + n % USERS == user_id)
            assert await uow.balances.get(user_id) == Balance(user_id, usd(f"{expected}.00"), usd("0"))
    for totals in await SqlaLedgerReader(engine).totals():
        assert totals.journal_amount == totals.amount
    assert len(await _outbox(engine)) == 2 * RECHARGES
    answers = [answer for uow in uows for answer in uow.applied]
    assert True in answers  # some went in one step, and every one, either way, exactly once
