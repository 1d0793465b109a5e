"""Telegram Premium gifts end to end on each stack (in-process/SQLite, Postgres+Redis), against the local fake of
the hosted Fragment API over real HTTP: delivered, refused (refunded), an unclear answer reconciled through
``/getOrders`` and never bought again, a 5xx before buying left to an operator, never refunded."""

from decimal import Decimal

import pytest

from starshop.application.errors import RecipientNotFound
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.get_history import GetHistory, HistoryQuery
from starshop.application.use_cases.grant_bonus import GrantBonus
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile
from starshop.domain import Product, TxStatus
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret
from starshop.testing.fakes import FakeFragment
from starshop.testing.fakes.fragment import BUY, BUY_PREMIUM, BUY_PREMIUM_KYC
from tests.integration.purchases.test_purchases_e2e import SEED, USER, Shop, gift, settings_for, status_is

PRICES = {3: "12.99", 6: "16.99", 12: "29.99"}
COOKIES = "stel_ssid=premium-ssid; stel_token=premium-token"


@pytest.fixture
def retry_attempts() -> int:
    return 2


class PremiumShop(Shop):
    async def give(self, months: int = 3, recipient: str = "alice_user") -> str:
        data = BuyStarsInput(user_id=USER, product=Product.PREMIUM, months=months, recipient=recipient)
        return (await self.call(BuyStars, data)).purchase.id


@pytest.fixture(params=["without cookies", "with cookies"])
async def shop(stack, request):
    cookies = COOKIES if request.param == "with cookies" else None
    fake = FakeFragment(seed=SEED, users={"alice_user", "bob_user"}, balance=Decimal(1000), cookies=cookies)
    async with fake.running() as url:
        extra = {"premium_prices": {m: Decimal(p) for m, p in PRICES.items()}}
        if cookies:
            extra["fragment_cookies"] = Secret(cookies)
        container = build_container(settings_for(stack, url, **extra))
        shop = PremiumShop(container, fake)
        shop.route = BUY_PREMIUM_KYC if cookies else BUY_PREMIUM
        await shop.call(RegisterUser, TelegramProfile(user_id=USER, username="buyer"))
        await shop.call(GrantBonus, gift("50"))
        try:
            yield shop
        finally:
            await container.close()


async def test_a_delivered_gift_captures_the_hold_keeps_the_receipt_and_names_the_product(shop):
    tx_id = await shop.give(6)
    assert await shop.balance() == ("50.00", "16.99")
    await shop.work(status_is(shop, tx_id, TxStatus.COMPLETED))
    tx = await shop.tx(tx_id)
    [order] = shop.fake.orders
    assert (tx.product, tx.months, tx.stars) == (Product.PREMIUM, 6, None)
    assert tx.receipt.ref_id == order.ref_id and (order.duration, order.amount) == (6, None)
    assert await shop.balance() == ("33.01", "0.00")
    assert (shop.fake.calls[shop.route], shop.fake.calls[BUY]) == (1, 0)
    history = await shop.call(GetHistory, HistoryQuery(user_id=USER))
    assert history.items[0].description == "6 months of Telegram Premium for @alice_user"


async def test_a_refused_gift_is_refunded(shop):
    shop.fake.refuse(shop.route, message="This user cannot receive Premium")
    tx_id = await shop.give(3)
    await shop.work(status_is(shop, tx_id, TxStatus.FAILED))
    assert "cannot receive Premium" in (await shop.tx(tx_id)).failure_reason
    assert await shop.balance() == ("50.00", "0.00")


@pytest.mark.parametrize("fault", ["slow", "drop", "fail_after"])
async def test_an_unclear_answer_after_buying_is_reconciled_through_get_orders_and_never_bought_again(shop, fault):
    {
        "slow": lambda: shop.fake.answer_slowly(shop.route, seconds=1.5),
        "drop": lambda: shop.fake.drop_connection(shop.route),
        "fail_after": lambda: shop.fake.fail(shop.route, after_recording=True),
    }[fault]()
    tx_id = await shop.give(12)
    await shop.work(status_is(shop, tx_id, TxStatus.COMPLETED))
    tx = await shop.tx(tx_id)
    assert tx.receipt.ref_id == shop.fake.orders[0].ref_id
    assert await shop.balance() == ("20.01", "0.00")
    assert shop.fake.calls[shop.route] == 1
    assert shop.fake.calls["/getOrders"] >= 1


async def test_a_5xx_before_buying_stays_unknown_goes_to_an_operator_and_is_never_refunded(shop):
    shop.fake.fail(shop.route)
    tx_id = await shop.give(3)

    async def flagged():
        return (await shop.tx(tx_id)).flag is not None

    await shop.work(flagged)
    tx = await shop.tx(tx_id)
    assert (tx.status, tx.outcome_unknown) == (TxStatus.PROCESSING, True)
    assert await shop.balance() == ("50.00", "12.99")
    assert shop.fake.calls[shop.route] == 1


async def test_an_unknown_recipient_never_costs_anything(shop):
    """With cookies the recipient is searched before money moves; without, the purchase call refuses it."""
    if shop.route == BUY_PREMIUM_KYC:
        with pytest.raises(RecipientNotFound):
            await shop.give(3, recipient="nobody_here")
    else:
        tx_id = await shop.give(3, recipient="nobody_here")
        await shop.work(status_is(shop, tx_id, TxStatus.FAILED))
        assert "User not found" in (await shop.tx(tx_id)).failure_reason
    assert await shop.balance() == ("50.00", "0.00")
    assert shop.fake.orders == []
