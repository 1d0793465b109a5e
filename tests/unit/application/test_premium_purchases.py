"""Telegram Premium gifts take the stars' saga: checked recipient, hold, one attempt, unknown outcomes reconciled,
never bought twice, refunded only on a refusal."""

from datetime import timedelta

import pytest

from starshop.application.errors import IdempotencyConflict, RecipientNotFound
from starshop.application.ports import ClaimResult
from starshop.application.use_cases.buy_stars import BuyStarsInput
from starshop.domain import (
    InvalidAmount,
    InvalidPremiumMonths,
    InvalidStarAmount,
    PayWith,
    PremiumNotSold,
    Product,
    TxStatus,
)
from starshop.domain.events import PurchaseDelayed, PurchaseDelivered, PurchaseRefused
from starshop.testing import build_in_memory_shop, default_premium

from .conftest import ALICE, fund


def premium(months=3, recipient="@bob_the_user", key=None, **changes):
    return BuyStarsInput(
        user_id=ALICE, product=Product.PREMIUM, months=months, recipient=recipient, idempotency_key=key, **changes
    )


async def balance(shop):
    b = await shop.get_balance(ALICE)
    return str(b.amount.amount), str(b.held.amount)


async def test_a_premium_gift_holds_its_price_then_delivery_captures_it(shop, alice):
    await fund(shop, alice, "20")
    result = await shop.buy_stars(premium(3))
    tx = result.purchase
    assert (tx.status, tx.product, tx.months, tx.stars) == (TxStatus.PENDING, Product.PREMIUM, 3, None)
    assert tx.amount == shop.money("12.99")
    assert await balance(shop) == ("20.00", "12.99")
    await shop.run_background()
    [order] = shop.delivery.deliver_calls
    assert (order.product, order.months, order.stars, order.recipient) == (Product.PREMIUM, 3, None, "bob_the_user")
    done = await shop.transaction(tx.id)
    assert done.status is TxStatus.COMPLETED
    assert await balance(shop) == ("7.01", "0.00")
    [delivered] = [e for e in shop.notifier.sent if isinstance(e, PurchaseDelivered)]
    assert (delivered.months, delivered.stars) == (3, None)
    assert (await shop.audit_ledger()).ok


async def test_a_refused_premium_gift_releases_the_hold(shop, alice):
    await fund(shop, alice, "20")
    shop.delivery.script("refused")
    result = await shop.buy_stars(premium(6))
    await shop.run_background()
    assert (await shop.transaction(result.purchase.id)).status is TxStatus.FAILED
    assert await balance(shop) == ("20.00", "0.00")
    [refused] = [e for e in shop.notifier.sent if isinstance(e, PurchaseRefused)]
    assert refused.months == 6


async def test_an_unknown_premium_outcome_is_never_refunded_nor_bought_again_and_is_reconciled(shop, alice):
    await fund(shop, alice, "40")
    shop.delivery.script("unknown_bought")
    result = await shop.buy_stars(premium(12))
    await shop.run_background()
    assert (await shop.transaction(result.purchase.id)).status is TxStatus.PROCESSING
    assert await balance(shop) == ("40.00", "29.99")
    assert any(isinstance(e, PurchaseDelayed) and e.months == 12 for e in shop.notifier.sent)
    shop.clock.advance(timedelta(minutes=4))
    assert (await shop.reconcile_purchases()).delivered == 1
    await shop.run_background()
    await shop.deliver_purchase(result.purchase.id)  # a late duplicate task
    assert (await shop.transaction(result.purchase.id)).status is TxStatus.COMPLETED
    assert await balance(shop) == ("10.01", "0.00")
    assert len(shop.delivery.deliver_calls) == 1


async def test_a_star_order_never_settles_a_premium_gift(shop, alice):
    """The provider's history holds a star order to the same recipient: it is not the Premium gift."""
    await fund(shop, alice, "40")
    await shop.buy_stars(BuyStarsInput(user_id=ALICE, stars=100, recipient="@bob_the_user"))
    await shop.run_background()
    shop.delivery.script("unknown")
    gift = await shop.buy_stars(premium(3))
    await shop.run_background()
    shop.clock.advance(timedelta(minutes=4))
    report = await shop.reconcile_purchases()
    assert (report.delivered, report.unresolved) == (0, 1)
    assert (await shop.transaction(gift.purchase.id)).status is TxStatus.PROCESSING


async def test_gifts_of_the_same_months_to_the_same_recipient_are_serialised_but_not_other_products(shop, alice):
    await fund(shop, alice, "60")
    shop.delivery.script("unknown")
    first = await shop.buy_stars(premium(3))
    second = await shop.buy_stars(premium(3))
    longer = await shop.buy_stars(premium(6))
    stars = await shop.buy_stars(BuyStarsInput(user_id=ALICE, stars=100, recipient="@bob_the_user"))
    assert await shop.deliver_purchase(first.purchase.id) is ClaimResult.CLAIMED
    assert await shop.deliver_purchase(second.purchase.id) is ClaimResult.BUSY
    assert await shop.deliver_purchase(longer.purchase.id) is ClaimResult.CLAIMED
    assert await shop.deliver_purchase(stars.purchase.id) is ClaimResult.CLAIMED


async def test_premium_is_refused_when_the_shop_sells_none_and_nothing_is_created(alice):
    shop = build_in_memory_shop(premium=default_premium(""))
    from starshop.application.use_cases.register_user import TelegramProfile

    await shop.register_user(TelegramProfile(user_id=ALICE))
    await fund(shop, ALICE, "20")
    before = len(await shop.transactions())
    with pytest.raises(PremiumNotSold):
        await shop.buy_stars(premium(3))
    with pytest.raises(PremiumNotSold):
        await shop.quote_stars(None, months=3)
    assert len(await shop.transactions()) == before


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (premium(5), InvalidPremiumMonths),
        (premium(None), InvalidPremiumMonths),
        (premium(3, stars=100), InvalidAmount),
        (BuyStarsInput(user_id=ALICE, stars=100, months=3, recipient="@bob_the_user"), InvalidAmount),
        (BuyStarsInput(user_id=ALICE, recipient="@bob_the_user"), InvalidStarAmount),
    ],
    ids=["5 months", "no months", "premium with stars", "stars with months", "stars without stars"],
)
async def test_malformed_premium_requests_are_refused_and_change_nothing(shop, alice, data, error):
    await fund(shop, alice, "20")
    before = len(await shop.transactions())
    with pytest.raises(error):
        await shop.buy_stars(data)
    assert len(await shop.transactions()) == before
    assert await balance(shop) == ("20.00", "0.00")


async def test_months_not_on_sale_are_refused(alice):
    shop = build_in_memory_shop(premium=default_premium("3:9.99"))
    from starshop.application.use_cases.register_user import TelegramProfile

    await shop.register_user(TelegramProfile(user_id=ALICE))
    with pytest.raises(InvalidPremiumMonths, match="on sale: 3"):
        await shop.buy_stars(premium(6))


async def test_an_unknown_recipient_is_refused_before_money_moves(shop, alice):
    await fund(shop, alice, "20")
    shop.delivery.unknown_users.add("ghost_user")
    with pytest.raises(RecipientNotFound):
        await shop.buy_stars(premium(3, recipient="@ghost_user"))
    assert await balance(shop) == ("20.00", "0.00")


async def test_an_idempotency_key_replays_the_gift_and_refuses_another_product(shop, alice):
    await fund(shop, alice, "40")
    first = await shop.buy_stars(premium(3, key="k1"))
    again = await shop.buy_stars(premium(3, key="k1"))
    assert (again.purchase.id, again.replayed) == (first.purchase.id, True)
    with pytest.raises(IdempotencyConflict):
        await shop.buy_stars(premium(6, key="k1"))
    with pytest.raises(IdempotencyConflict):
        await shop.buy_stars(BuyStarsInput(user_id=ALICE, stars=100, recipient="@bob_the_user", idempotency_key="k1"))
    assert await balance(shop) == ("40.00", "12.99")


async def test_a_premium_gift_paid_by_its_own_invoice_names_the_product(shop, alice):
    result = await shop.buy_stars(premium(6, pay_with=PayWith.INVOICE))
    assert result.invoice is not None
    invoice = await shop.invoice_of(result.purchase.id)
    assert invoice is not None
    assert invoice.amount == shop.money("16.99")
    assert invoice.description == "Payment for 6 months of Telegram Premium for @bob_the_user"


async def test_a_premium_quote_is_the_configured_price(shop):
    quote = await shop.quote_stars(None, months=12)
    assert (quote.product, quote.months, quote.stars, quote.price) == (
        Product.PREMIUM,
        12,
        None,
        shop.money("29.99"),
    )
