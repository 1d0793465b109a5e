"""One lock order for every money path (docs/persistence.md): the user's balance row, then transaction rows.

A purchase bought with a key, and recorded as delivered while a retry of the same key is being bought, used to
deadlock on Postgres: the retry held the balance row and waited for the purchase row (its idempotency key's
unique check), while the delivery held the purchase row and waited for the balance row.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqla_support import USD, at, usd, user
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.inprocess import InProcessRateLimiter
from starshop.adapters.sqla.uow import SqlaUnitOfWork
from starshop.adapters.system import SystemClock
from starshop.application.ports import ClaimResult, Clock, Delivered, RateLimiter
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.record_delivery import DeliveryResult, RecordDelivery, Recorded
from starshop.domain import Balance, Defaults, DeliveryReceipt, Money, Transaction, TxStatus, TxType
from starshop.testing.doubles import FixedClock, ScriptedPaymentGateway, ScriptedStarDelivery, SequentialIds
from starshop.testing.wiring import default_config, default_policy, default_premium

pytestmark = pytest.mark.postgres

KEY = "tap-twice"


class GatedLimiter:
    """A rate limiter that allows every hit, but only once the test opens its gate."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.gate = asyncio.Event()

    async def hit(self, user_id: int, action: str, *, key: str | None = None) -> bool:
        self.reached.set()
        await self.gate.wait()
        return True

    async def forget_key(self, user_id: int, action: str, *, key: str) -> None:
        return None


class GatedBalances:
    """The balances of a unit of work, whose ``capture`` waits for the test's gate."""

    def __init__(self, inner: Any, reached: asyncio.Event, gate: asyncio.Event) -> None:
        self._inner, self._reached, self._gate = inner, reached, gate

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def capture(self, user_id: int, amount: Money) -> Balance:
        self._reached.set()
        await self._gate.wait()
        result: Balance = await self._inner.capture(user_id, amount)
        return result


class CaptureGatedUnitOfWork(SqlaUnitOfWork):
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        super().__init__(engine, clock)
        self.reached = asyncio.Event()
        self.gate = asyncio.Event()

    def _bind(self, x: Any) -> None:
        super()._bind(x)
        self.balances = GatedBalances(self.balances, self.reached, self.gate)  # type: ignore[assignment]


@pytest.mark.parametrize("prices", [1, 2], ids=["funds-for-one", "funds-for-two"])
async def test_a_retry_bought_while_the_first_purchase_is_recorded_delivered_gets_the_first_purchase(
    pg_engine: AsyncEngine, prices: int
) -> None:
    engine = pg_engine
    policy, config, clock, ids = default_policy(), default_config(), FixedClock(), SequentialIds()
    delivery = ScriptedStarDelivery()
    gateway = ScriptedPaymentGateway(clock, lifetime=config.invoice_lifetime)
    price = Money(policy.price(50).amount * prices, USD)
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        await uow.users.upsert(user(1))
        await uow.balances.ensure(1, USD)
        await uow.balances.credit(1, price)
        bonus = Transaction(
            id="bonus", user_id=1, type=TxType.BONUS, status=TxStatus.COMPLETED, amount=price, created_at=at(0),
            updated_at=at(0),
        )  # fmt: skip
        await uow.transactions.add(bonus)
        await uow.commit()

    def buy_stars(limiter: RateLimiter) -> BuyStars:
        return BuyStars(
            SqlaUnitOfWork(engine, clock),
            Defaults(policy=policy, premium=default_premium()),
            delivery,
            gateway,
            clock,
            ids,
            limiter,
            config,
        )

    order = BuyStarsInput(user_id=1, stars=50, recipient="somebody", idempotency_key=KEY)
    # The retry looks for its key before the first purchase exists, then waits in the rate limiter.
    retry_limiter = GatedLimiter()
    retry = asyncio.create_task(buy_stars(retry_limiter)(order))
    await asyncio.wait_for(retry_limiter.reached.wait(), 5)
    first = await buy_stars(InProcessRateLimiter({}))(order)
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        assert await uow.transactions.claim_delivery(first.purchase.id, clock.now()) is ClaimResult.CLAIMED
        await uow.commit()
    # The delivery is recorded up to its capture; then the retry goes on into its purchase.
    recording_uow = CaptureGatedUnitOfWork(engine, clock)
    delivered = Delivered(receipt=DeliveryReceipt(ref_id="order-1"))
    recording = asyncio.create_task(
        RecordDelivery(recording_uow, clock, ids, config)(DeliveryResult(tx_id=first.purchase.id, outcome=delivered))
    )
    await asyncio.wait_for(recording_uow.reached.wait(), 5)
    retry_limiter.gate.set()
    await asyncio.sleep(0.5)  # the retry is now waiting on a lock
    recording_uow.gate.set()

    assert await asyncio.wait_for(recording, 15) is Recorded.COMPLETED
    replay = await asyncio.wait_for(retry, 15)
    assert (replay.purchase.id, replay.replayed) == (first.purchase.id, True)
    async with SqlaUnitOfWork(engine, SystemClock()) as uow:
        assert await uow.balances.get(1) == Balance(1, price - policy.price(50), usd("0"))
        stored = await uow.transactions.get(first.purchase.id)
    assert stored is not None and stored.status is TxStatus.COMPLETED
