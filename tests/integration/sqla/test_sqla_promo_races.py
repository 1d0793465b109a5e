"""Promo codes under real concurrency on Postgres: every redemption is its own request scope (its own unit of work
and connection), all started at once. A code limited to N uses gives exactly N, once per user, whatever the
interleaving; a discount code's uses are counted the same way; the ledger audit stays clean."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from starshop.application.errors import IdempotencyConflict
from starshop.application.use_cases.buy_stars import BuyStarsInput
from starshop.application.use_cases.create_promo_code import NewPromoCode
from starshop.application.use_cases.grant_bonus import OperatorCredit
from starshop.application.use_cases.redeem_promo_code import Redemption
from starshop.application.use_cases.register_user import TelegramProfile
from starshop.domain import Money, PromoAlreadyUsed, PromoKind, PromoUsedUp, TxType
from starshop.entrypoints.settings import DatabaseSettings
from starshop.testing import InMemoryShop, build_shop

pytestmark = pytest.mark.postgres


@pytest.fixture
async def shop(pg_url: str) -> AsyncIterator[InMemoryShop]:
    shop = build_shop(database=DatabaseSettings(url=pg_url, pool_size=20, statement_timeout_ms=20_000))
    yield shop
    await shop.aclose()


async def users(shop: InMemoryShop, count: int) -> list[int]:
    ids = list(range(100, 100 + count))
    for user_id in ids:
        await shop.register_user(TelegramProfile(user_id=user_id))
    return ids


async def bonus_code(shop: InMemoryShop, code: str, *, max_uses: int | None, amount: str = "2.50") -> None:
    await shop.create_promo_code(
        NewPromoCode(operator_id=1, code=code, kind=PromoKind.BONUS, amount=shop.money(amount), max_uses=max_uses)
    )


async def test_fifty_concurrent_redemptions_of_a_code_limited_to_ten_give_exactly_ten(shop: InMemoryShop) -> None:
    ids = await users(shop, 50)
    await bonus_code(shop, "LAUNCH10", max_uses=10)
    outcomes = await asyncio.gather(
        *(shop.redeem_promo_code(Redemption(user_id=u, code="launch10", idempotency_key=f"r{u}")) for u in ids),
        return_exceptions=True,
    )
    redeemed = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, PromoUsedUp)]
    assert len(redeemed) == 10, outcomes
    assert len(refused) == 40, [o for o in outcomes if isinstance(o, BaseException) and o not in refused]
    credited = [u for u in ids if (await shop.get_balance(u)).amount.amount == Decimal("2.50")]
    assert len(credited) == 10
    assert sum([(await shop.get_balance(u)).amount.amount for u in ids], Decimal(0)) == Decimal("25.00")
    promo_rows = [t for t in await shop.transactions() if t.type is TxType.PROMO]
    assert len(promo_rows) == 10
    assert {t.user_id for t in promo_rows} == {r.transaction.user_id for r in redeemed}
    [code] = await shop.list_promo_codes()
    assert code.uses == 10
    assert (await shop.audit_ledger()).ok


async def test_one_user_redeeming_a_code_many_times_at_once_gets_it_once(shop: InMemoryShop) -> None:
    [user] = await users(shop, 1)
    await bonus_code(shop, "ONCE", max_uses=None)
    outcomes = await asyncio.gather(
        *(shop.redeem_promo_code(Redemption(user_id=user, code="ONCE", idempotency_key=f"k{n}")) for n in range(20)),
        return_exceptions=True,
    )
    redeemed = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(redeemed) == 1, outcomes
    assert all(isinstance(o, PromoAlreadyUsed) for o in outcomes if isinstance(o, BaseException)), outcomes
    assert (await shop.get_balance(user)).amount.amount == Decimal("2.50")
    assert (await shop.audit_ledger()).ok


async def test_copies_of_one_keyed_redemption_at_once_make_one_credit_and_replay_it(shop: InMemoryShop) -> None:
    [user] = await users(shop, 1)
    await bonus_code(shop, "RETRY", max_uses=5)
    outcomes = await asyncio.gather(
        *(shop.redeem_promo_code(Redemption(user_id=user, code="RETRY", idempotency_key="same")) for _ in range(12)),
        return_exceptions=True,
    )
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert len({o.transaction.id for o in outcomes}) == 1
    assert sum(not o.replayed for o in outcomes) == 1
    assert (await shop.get_balance(user)).amount.amount == Decimal("2.50")
    [code] = await shop.list_promo_codes()
    assert code.uses == 1
    with pytest.raises(IdempotencyConflict):
        await bonus_code(shop, "OTHER", max_uses=None)
        await shop.redeem_promo_code(Redemption(user_id=user, code="OTHER", idempotency_key="same"))
    assert (await shop.audit_ledger()).ok


async def test_concurrent_purchases_with_a_discount_limited_to_five_discount_exactly_five(shop: InMemoryShop) -> None:
    ids = await users(shop, 12)
    price = shop.policy.price(100)
    for u in ids:
        await shop.grant_bonus(OperatorCredit(operator_id=1, user_id=u, amount=price, reason="seed"))
    await shop.create_promo_code(
        NewPromoCode(
            operator_id=1,
            code="HALF",
            kind=PromoKind.DISCOUNT,
            percent=Decimal(50),
            max_discount=shop.money("100"),
            max_uses=5,
        )
    )
    outcomes = await asyncio.gather(
        *(shop.buy_stars(BuyStarsInput(user_id=u, stars=100, recipient=f"gift_{u}", promo_code="HALF")) for u in ids),
        return_exceptions=True,
    )
    bought = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(bought) == 5, outcomes
    assert all(isinstance(o, PromoUsedUp) for o in outcomes if isinstance(o, BaseException)), outcomes
    for result in bought:
        assert result.purchase.amount == price - Money.rounded_down(price.amount / 2, price.currency)
        assert result.purchase.promo_code == "HALF"
    await shop.run_background()
    assert (await shop.audit_ledger()).ok
