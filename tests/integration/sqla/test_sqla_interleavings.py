"""The dangerous pairs, interleaved for real on Postgres and repeated: each side of a pair runs on its own
connection at the same moment, in many rounds. After every round the ledger is audited (invariants 1-2) and the
money is what exactly one order of the two would have left; where the provider is involved, its order history is
compared with the ledger too (invariant 7)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest

from starshop.application.errors import AlreadySettled, IdempotencyConflict
from starshop.application.ports import Delivered
from starshop.application.use_cases.buy_stars import BuyStarsInput
from starshop.application.use_cases.create_recharge import CreateRechargeInput
from starshop.application.use_cases.grant_bonus import OperatorCredit
from starshop.application.use_cases.record_delivery import DeliveryResult
from starshop.application.use_cases.register_user import TelegramProfile
from starshop.application.use_cases.resolve_purchase import OperatorVerdict, Verdict
from starshop.domain import InsufficientFunds, PaymentStatus, TxStatus
from starshop.entrypoints.settings import DatabaseSettings
from starshop.testing import InMemoryShop, build_shop

pytestmark = pytest.mark.postgres
ROUNDS = 12


@pytest.fixture
async def shop(pg_url: str) -> AsyncIterator[InMemoryShop]:
    """Each call runs in a request scope of its own, so each side of a pair has its own unit of work and
    connection, as two web requests or worker steps have."""
    shop = build_shop(database=DatabaseSettings(url=pg_url, pool_size=20, statement_timeout_ms=20_000))
    yield shop
    await shop.aclose()


async def settle(shop: InMemoryShop) -> None:
    """Every round ends with the audit: each balance equals its journal, nothing negative."""
    report = await shop.audit_ledger()
    assert report.ok, report


async def balance(shop: InMemoryShop, user: int) -> tuple[Decimal, Decimal]:
    found = await shop.get_balance(user)
    return found.amount.amount, found.held.amount


async def test_a_paid_webhook_racing_the_expiry_sweep_credits_exactly_once(shop: InMemoryShop) -> None:
    await shop.register_user(TelegramProfile(user_id=1))
    credited = Decimal(0)
    for n in range(ROUNDS):
        amount = shop.money(f"{n + 1}.25")
        result = await shop.create_recharge(CreateRechargeInput(user_id=1, amount=amount))
        shop.clock.advance(shop.config.invoice_lifetime + shop.config.invoice_expiry_grace + timedelta(seconds=1))
        note = shop.gateway.set_status(result.recharge.order_id, PaymentStatus.PAID, paid=amount)
        await asyncio.gather(shop.confirm_payment(note), shop.expire_stale_invoices())
        credited += amount.amount
        tx = await shop.transaction(result.recharge.id)
        assert tx.status is TxStatus.COMPLETED
        assert await balance(shop, 1) == (credited, 0)
        await settle(shop)


async def test_a_negative_adjustment_racing_a_purchase_never_spends_the_same_money_twice(
    shop: InMemoryShop,
) -> None:
    await shop.register_user(TelegramProfile(user_id=2))
    price = shop.policy.price(100).amount
    for n in range(ROUNDS):
        await shop.grant_bonus(OperatorCredit(operator_id=1, user_id=2, amount=shop.money(str(price)), reason="r"))
        before, held = await balance(shop, 2)
        buy = shop.buy_stars(BuyStarsInput(user_id=2, stars=100, recipient=f"gift_{n}", idempotency_key=f"k{n}"))
        take = shop.adjust_balance(OperatorCredit(operator_id=1, user_id=2, amount=-shop.money(str(price)), reason="r"))
        outcomes = await asyncio.gather(buy, take, return_exceptions=True)
        refused = [o for o in outcomes if isinstance(o, InsufficientFunds)]
        assert len(refused) == 1, outcomes  # the money covered one of them, never both
        assert not [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, InsufficientFunds)]
        amount, now_held = await balance(shop, 2)
        assert amount - now_held == before - held - price
        await shop.run_background()  # deliver what was bought before the next round
        await settle(shop)


async def test_a_bonus_racing_a_purchase_keeps_both(shop: InMemoryShop) -> None:
    await shop.register_user(TelegramProfile(user_id=3))
    price = shop.policy.price(50).amount
    await shop.grant_bonus(OperatorCredit(operator_id=1, user_id=3, amount=shop.money(str(price)), reason="seed"))
    for n in range(ROUNDS):
        before, _ = await balance(shop, 3)
        buy = shop.buy_stars(BuyStarsInput(user_id=3, stars=50, recipient=f"gift_{n}", idempotency_key=f"b{n}"))
        gift = shop.grant_bonus(OperatorCredit(operator_id=1, user_id=3, amount=shop.money(str(price)), reason="r"))
        await asyncio.gather(buy, gift)
        await shop.run_background()
        assert await balance(shop, 3) == (before, 0)  # a bonus of the price in, the price out
        await settle(shop)


async def test_capture_resolve_and_reconcile_racing_settle_a_purchase_once(shop: InMemoryShop) -> None:
    """A purchase whose provider call timed out is settled three ways at once: the call's own late receipt (when
    the stars were bought), an operator's verdict and the reconciler. Exactly one of them settles it, the way the
    provider's orders say; the others change nothing."""
    await shop.register_user(TelegramProfile(user_id=4))
    price = shop.policy.price(50).amount
    start = shop.clock.now()
    for n in range(ROUNDS):
        bought = n % 2 == 0
        await shop.grant_bonus(OperatorCredit(operator_id=1, user_id=4, amount=shop.money(str(price)), reason="r"))
        result = await shop.buy_stars(BuyStarsInput(user_id=4, stars=50, recipient=f"slow_{n}"))
        shop.delivery.script("unknown_bought" if bought else "unknown")
        await shop.run_background()
        tx_id = result.purchase.id
        assert (await shop.transaction(tx_id)).outcome_unknown
        shop.clock.advance(shop.config.lookup_after + timedelta(seconds=1))
        before, _ = await balance(shop, 4)
        verdict = Verdict.DELIVERED if bought else Verdict.REFUSED
        racers = [
            shop.resolve_purchase(
                OperatorVerdict(tx_id=tx_id, verdict=verdict, reason="checked", ref_id=f"Ref#{tx_id}")
            ),
            shop.reconcile_purchases(),
        ]
        if bought:
            receipt = shop.delivery.orders[-1].receipt
            racers.append(shop.record_delivery(DeliveryResult(tx_id=tx_id, outcome=Delivered(receipt=receipt))))
        outcomes = await asyncio.gather(*racers, return_exceptions=True)
        unexpected = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, AlreadySettled)]
        assert not unexpected, unexpected
        tx = await shop.transaction(tx_id)
        assert tx.status is (TxStatus.COMPLETED if bought else TxStatus.FAILED)
        assert await balance(shop, 4) == ((before - price) if bought else before, Decimal(0))
        await settle(shop)
    shop.clock.advance(shop.config.lookup_after)
    provider = await shop.audit_provider(start)
    assert provider.mismatches == ()
    assert provider.orders_checked == provider.purchases_checked == ROUNDS // 2


async def test_a_bonus_and_an_adjustment_racing_with_one_key_make_one_row_and_no_deadlock(shop: InMemoryShop) -> None:
    await shop.register_user(TelegramProfile(user_id=5))
    for n in range(ROUNDS):
        key, one = f"op-{n}", shop.money("1")
        bonus = shop.grant_bonus(OperatorCredit(operator_id=1, user_id=5, amount=one, reason="r", idempotency_key=key))
        adjust = shop.adjust_balance(
            OperatorCredit(operator_id=1, user_id=5, amount=one, reason="r", idempotency_key=key)
        )
        outcomes = await asyncio.gather(bonus, adjust, return_exceptions=True)
        refused = [o for o in outcomes if isinstance(o, IdempotencyConflict)]
        assert len(refused) == 1, outcomes  # one row for the key; the other request is a conflict, not a deadlock
        assert await balance(shop, 5) == (Decimal(n + 1), Decimal(0))
        await settle(shop)
