"""Referrals under real concurrency on Postgres: every call is its own request scope (its own unit of work and
connection), all started at once. A purchase completed by two paths at once (the reconciler and the provider call's
late receipt) rewards its buyer's referrer once; a user arriving with many codes at once is attributed once; a chain
of referrers completing purchases together credits each reward once without a deadlock. The audit stays clean."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest

from starshop.application.errors import AlreadySettled
from starshop.application.ports import Delivered
from starshop.application.use_cases.attribute_referral import ReferralArrival
from starshop.application.use_cases.buy_stars import BuyStarsInput
from starshop.application.use_cases.grant_bonus import OperatorCredit
from starshop.application.use_cases.record_delivery import DeliveryResult
from starshop.application.use_cases.register_user import TelegramProfile
from starshop.domain import Attribution, Money, TxStatus, TxType, referral_code
from starshop.entrypoints.settings import DatabaseSettings
from starshop.testing import InMemoryShop, build_shop, default_config

pytestmark = pytest.mark.postgres
ROUNDS = 10
PERCENT = Decimal(10)


@pytest.fixture
async def shop(pg_url: str) -> AsyncIterator[InMemoryShop]:
    shop = build_shop(
        database=DatabaseSettings(url=pg_url, pool_size=20, statement_timeout_ms=20_000),
        config=default_config(referral_percent=PERCENT),
    )
    yield shop
    await shop.aclose()


async def joined(shop: InMemoryShop, *user_ids: int) -> None:
    """Users join one after another (a referrer joined before the users they invite)."""
    for user_id in user_ids:
        await shop.register_user(TelegramProfile(user_id=user_id))
        shop.clock.advance(timedelta(seconds=1))


def reward(shop: InMemoryShop, price: Money) -> Decimal:
    return Money.rounded_down(price.amount * PERCENT / 100, shop.config.currency).amount


async def test_a_purchase_completed_by_the_reconciler_and_its_late_receipt_at_once_rewards_once(
    shop: InMemoryShop,
) -> None:
    await joined(shop, 1, 2)
    assert await shop.attribute_referral(ReferralArrival(user_id=2, code=referral_code(1))) is Attribution.ATTRIBUTED
    earned = Decimal(0)
    for n in range(ROUNDS):
        price = shop.policy.price(50)
        await shop.grant_bonus(OperatorCredit(operator_id=1, user_id=2, amount=price, reason="r"))
        result = await shop.buy_stars(BuyStarsInput(user_id=2, stars=50, recipient=f"slow_{n}"))
        shop.delivery.script("unknown_bought")
        await shop.run_background()
        shop.clock.advance(shop.config.lookup_after + timedelta(seconds=1))
        receipt = shop.delivery.orders[-1].receipt
        outcomes = await asyncio.gather(
            shop.reconcile_purchases(),
            shop.record_delivery(DeliveryResult(tx_id=result.purchase.id, outcome=Delivered(receipt=receipt))),
            return_exceptions=True,
        )
        assert not [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, AlreadySettled)]
        assert (await shop.transaction(result.purchase.id)).status is TxStatus.COMPLETED
        earned += reward(shop, result.purchase.amount)
        assert (await shop.get_balance(1)).amount.amount == earned
        rewards = [t for t in await shop.transactions() if t.type is TxType.REFERRAL]
        assert len(rewards) == n + 1
        assert len({t.reward_for for t in rewards}) == n + 1
        assert all(t.user_id == 1 and t.status is TxStatus.COMPLETED for t in rewards)
        assert (await shop.audit_ledger()).ok
    summary = await shop.get_referrals(1)
    assert (summary.invited, summary.earned.amount) == (1, earned)


async def test_a_user_arriving_with_many_codes_at_once_is_attributed_once(shop: InMemoryShop) -> None:
    referrers = list(range(10, 30))
    await joined(shop, *referrers, 99)
    arrivals = [ReferralArrival(user_id=99, code=referral_code(r)) for r in referrers for _ in range(2)]
    outcomes = await asyncio.gather(*(shop.attribute_referral(a) for a in arrivals), return_exceptions=True)
    assert outcomes.count(Attribution.ATTRIBUTED) == 1, outcomes
    assert all(o is Attribution.ALREADY_REFERRED for o in outcomes if o is not Attribution.ATTRIBUTED), outcomes
    invited = [(await shop.get_referrals(r)).invited for r in referrers]
    assert sorted(invited) == [0] * (len(referrers) - 1) + [1]


async def test_a_chain_of_referrers_completing_purchases_together_is_rewarded_once_each(shop: InMemoryShop) -> None:
    chain = [50, 51, 52, 53, 54]
    await joined(shop, *chain)
    for older, newer in itertools.pairwise(chain):
        arrival = ReferralArrival(user_id=newer, code=referral_code(older))
        assert await shop.attribute_referral(arrival) is Attribution.ATTRIBUTED
    price = shop.policy.price(100)
    for user in chain:
        await shop.grant_bonus(OperatorCredit(operator_id=1, user_id=user, amount=price, reason="seed"))
    for n in range(ROUNDS // 2):
        bought = [await shop.buy_stars(BuyStarsInput(user_id=u, stars=100, recipient=f"to_{u}_{n}")) for u in chain]
        await asyncio.gather(*(shop.deliver_purchase(b.purchase.id) for b in bought))
        await shop.relay_outbox()
        for b in bought:
            assert (await shop.transaction(b.purchase.id)).status is TxStatus.COMPLETED
        for user in chain:
            await shop.grant_bonus(OperatorCredit(operator_id=1, user_id=user, amount=price, reason="again"))
    rewards = [t for t in await shop.transactions() if t.type is TxType.REFERRAL]
    assert len(rewards) == (len(chain) - 1) * (ROUNDS // 2)
    for older in chain[:-1]:
        assert (await shop.get_referrals(older)).earned.amount == reward(shop, price) * (ROUNDS // 2)
    assert (await shop.audit_ledger()).ok
