"""A Telegram Premium gift is bought once, on Postgres, however its settling interleaves: the reconciler (twice at
once), the provider call's own late result and a duplicated delivery task race for one purchase whose outcome was
unknown; two gifts of the same months to the same recipient are never in flight together (the database's guard)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest

from starshop.application.ports import ClaimResult, Delivered
from starshop.application.use_cases.buy_stars import BuyStarsInput
from starshop.application.use_cases.grant_bonus import OperatorCredit
from starshop.application.use_cases.record_delivery import DeliveryResult
from starshop.application.use_cases.register_user import TelegramProfile
from starshop.domain import Product, TxStatus
from starshop.entrypoints.settings import DatabaseSettings
from starshop.testing import InMemoryShop, build_shop

pytestmark = pytest.mark.postgres
ROUNDS = 9
USER = 7


@pytest.fixture
async def shop(pg_url: str) -> AsyncIterator[InMemoryShop]:
    shop = build_shop(database=DatabaseSettings(url=pg_url, pool_size=20, statement_timeout_ms=20_000))
    await shop.register_user(TelegramProfile(user_id=USER))
    yield shop
    await shop.aclose()


def gift(months: int, recipient: str) -> BuyStarsInput:
    return BuyStarsInput(user_id=USER, product=Product.PREMIUM, months=months, recipient=recipient)


async def balance(shop: InMemoryShop) -> tuple[Decimal, Decimal]:
    found = await shop.get_balance(USER)
    return found.amount.amount, found.held.amount


async def test_a_gift_whose_outcome_was_unknown_is_bought_and_captured_once_whoever_settles_it(
    shop: InMemoryShop,
) -> None:
    start = shop.clock.now()
    for n in range(ROUNDS):
        months = (3, 6, 12)[n % 3]
        price = shop.money("100")
        await shop.grant_bonus(OperatorCredit(operator_id=1, user_id=USER, amount=price, reason="r"))
        result = await shop.buy_stars(gift(months, f"late_{n}"))
        shop.delivery.script("unknown_bought")  # the gift was bought, the call's answer came too late
        await shop.run_background()
        tx_id = result.purchase.id
        assert (await shop.transaction(tx_id)).outcome_unknown
        shop.clock.advance(shop.config.lookup_after + timedelta(seconds=1))
        before, _ = await balance(shop)
        late = shop.delivery.orders[-1].receipt
        outcomes = await asyncio.gather(
            shop.reconcile_purchases(),
            shop.reconcile_purchases(),
            shop.record_delivery(DeliveryResult(tx_id=tx_id, outcome=Delivered(receipt=late))),
            shop.deliver_purchase(tx_id),  # a duplicated task
            return_exceptions=True,
        )
        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        tx = await shop.transaction(tx_id)
        assert (tx.status, tx.product, tx.months) == (TxStatus.COMPLETED, Product.PREMIUM, months)
        assert tx.receipt == late
        assert [o.purchase_id for o in shop.delivery.deliver_calls].count(tx_id) == 1  # bought once
        assert await balance(shop) == (before - result.purchase.amount.amount, Decimal(0))
        assert (await shop.audit_ledger()).ok
    shop.clock.advance(shop.config.lookup_after)
    provider = await shop.audit_provider(start)
    assert provider.mismatches == ()
    assert provider.orders_checked == provider.purchases_checked == ROUNDS


async def test_two_gifts_of_the_same_months_to_the_same_recipient_are_never_in_flight_together(
    shop: InMemoryShop,
) -> None:
    await shop.grant_bonus(OperatorCredit(operator_id=1, user_id=USER, amount=shop.money("300"), reason="r"))
    for n in range(ROUNDS):
        first, second = [await shop.buy_stars(gift(3, f"twin_{n}")) for _ in range(2)]
        shop.delivery.script("unknown", "unknown")
        claims = await asyncio.gather(
            shop.deliver_purchase(first.purchase.id), shop.deliver_purchase(second.purchase.id)
        )
        assert sorted(c.value for c in claims) == sorted([ClaimResult.CLAIMED.value, ClaimResult.BUSY.value])
        shop.delivery.outcomes.clear()
    assert (await shop.audit_ledger()).ok
