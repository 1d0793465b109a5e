"""Star purchases end to end on each stack, against the local fake of the hosted Fragment API over real HTTP.

Every outcome path; a slow success reconciled as delivered and never refunded; a lost task recovered by the sweep
without a double purchase; two workers racing for one purchase buy once.
"""

import asyncio
from decimal import Decimal

import pytest

from starshop.application.errors import RecipientNotFound, SalesPaused
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.deliver_purchase import DeliverPurchase
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_transaction import GetTransaction
from starshop.application.use_cases.grant_bonus import GrantBonus, OperatorCredit
from starshop.application.use_cases.reconcile_purchases import ReconcilePurchases
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.domain import Currency, Money, TxStatus
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.runtime import running
from starshop.entrypoints.settings import Secret, Settings, WorkerSettings
from starshop.entrypoints.worker import worker_pieces
from starshop.testing.fakes import FakeFragment
from starshop.testing.fakes.fragment import BUY

SEED = " ".join(["abandon"] * 23 + ["art"])
USER = 501
PRICE = "1.65"  # 100 stars


class Shop:
    def __init__(self, container, fake: FakeFragment) -> None:
        self.container, self.fake = container, fake

    async def call(self, kind, *args):
        async with self.container() as scope:
            return await (await scope.get(kind))(*args)

    async def buy(self, recipient="alice_user", stars=100) -> str:
        result = await self.call(BuyStars, BuyStarsInput(user_id=USER, stars=stars, recipient=recipient))
        return result.purchase.id

    async def tx(self, tx_id):
        return await self.call(GetTransaction, tx_id)

    async def balance(self) -> tuple[str, str]:
        b = await self.call(GetBalance, USER)
        return format(b.amount.amount, "f"), format(b.held.amount, "f")

    async def work(self, until, *, limit=10.0):
        """Run a worker until ``until()`` holds (polling the database, as an operator would)."""
        async with running(worker_pieces(self.container, WorkerSettings(relay_every=0.02, sweep_every=0.05))):
            async with asyncio.timeout(limit):
                while not await until():  # noqa: ASYNC110 - the condition lives in the database
                    await asyncio.sleep(0.02)


@pytest.fixture
def retry_attempts() -> int:
    return 2  # lookups are still retried, once


def settings_for(stack, fake_url: str, **changes) -> Settings:
    values = {
        "fragment_seed": Secret(SEED),
        "fragment_url": fake_url,
        "fragment_timeout": 0.5,
        "delivery_requeue_after": 0.2,
        "delivery_lookup_after": 1.0,
        "delivery_unknown_deadline": 2.0,
        "rate_limits": {},
        **stack,
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
async def shop(stack):
    fake = FakeFragment(seed=SEED, users={"alice_user", "bob_user"}, balance=Decimal(1000))
    async with fake.running() as url:
        container = build_container(settings_for(stack, url))
        shop = Shop(container, fake)
        await shop.call(RegisterUser, TelegramProfile(user_id=USER, username="buyer"))
        await shop.call(GrantBonus, gift("10"))
        try:
            yield shop
        finally:
            await container.close()


def gift(amount: str) -> OperatorCredit:
    return OperatorCredit(operator_id=1, user_id=USER, amount=Money.of(amount, Currency.of("USD")), reason="test")


def status_is(shop, tx_id, status):
    async def check():
        return (await shop.tx(tx_id)).status is status

    return check


async def test_a_delivered_purchase_captures_the_hold_and_keeps_the_receipt(shop):
    tx_id = await shop.buy()
    assert await shop.balance() == ("10.00", PRICE)
    await shop.work(status_is(shop, tx_id, TxStatus.COMPLETED))
    tx = await shop.tx(tx_id)
    assert tx.receipt.ref_id.startswith("Ref#")
    assert len(tx.receipt.tx_hash) == 64
    assert await shop.balance() == ("8.35", "0.00")
    assert shop.fake.calls[BUY] == 1


@pytest.mark.parametrize("recipient", ["nobody_here"])
async def test_a_refused_purchase_releases_the_hold(shop, recipient):
    tx_id = await shop.buy(recipient)
    await shop.work(status_is(shop, tx_id, TxStatus.FAILED))
    assert "User not found" in (await shop.tx(tx_id)).failure_reason
    assert await shop.balance() == ("10.00", "0.00")


async def test_an_empty_provider_wallet_refuses_and_releases(shop):
    shop.fake.balance = Decimal(0)
    tx_id = await shop.buy()
    await shop.work(status_is(shop, tx_id, TxStatus.FAILED))
    assert "Insufficient balance" in (await shop.tx(tx_id)).failure_reason
    assert await shop.balance() == ("10.00", "0.00")


async def test_a_5xx_before_buying_stays_unknown_then_goes_to_an_operator_never_refunded(shop):
    shop.fake.fail(BUY)
    tx_id = await shop.buy()

    async def flagged():
        tx = await shop.tx(tx_id)
        return tx.flag is not None

    await shop.work(flagged)
    tx = await shop.tx(tx_id)
    assert tx.status is TxStatus.PROCESSING
    assert tx.outcome_unknown
    assert "deadline" in tx.flag
    assert await shop.balance() == ("10.00", PRICE)
    assert shop.fake.calls[BUY] == 1


async def test_a_slow_success_past_the_timeout_is_reconciled_as_delivered_and_never_refunded(shop):
    shop.fake.answer_slowly(BUY, seconds=1.5)
    tx_id = await shop.buy()
    await shop.work(status_is(shop, tx_id, TxStatus.COMPLETED))
    tx = await shop.tx(tx_id)
    assert tx.receipt.ref_id == shop.fake.orders[0].ref_id
    assert await shop.balance() == ("8.35", "0.00")
    assert shop.fake.calls[BUY] == 1


async def test_a_dropped_connection_after_buying_is_reconciled_as_delivered(shop):
    shop.fake.drop_connection(BUY)
    tx_id = await shop.buy()
    await shop.work(status_is(shop, tx_id, TxStatus.COMPLETED))
    assert shop.fake.calls[BUY] == 1
    assert len(shop.fake.orders) == 1


async def test_a_lost_task_is_recovered_by_the_sweep_without_a_double_purchase(shop):
    tx_id = await shop.buy()
    await shop.call(RelayOutbox)  # handed to a queue whose worker then died: the task is gone
    await asyncio.sleep(0.3)
    report = await shop.call(ReconcilePurchases)
    assert report.requeued == 1
    await shop.work(status_is(shop, tx_id, TxStatus.COMPLETED))
    assert shop.fake.calls[BUY] == 1


async def test_two_workers_racing_for_one_purchase_buy_once(shop):
    tx_id = await shop.buy()
    results = await asyncio.gather(*(shop.call(DeliverPurchase, tx_id) for _ in range(4)))
    assert sorted(r.value for r in results) == ["claimed", "not_claimable", "not_claimable", "not_claimable"]
    assert shop.fake.calls[BUY] == 1
    assert (await shop.tx(tx_id)).status is TxStatus.COMPLETED


async def test_purchases_of_the_same_stars_for_the_same_recipient_are_serialised(shop):
    shop.fake.answer_slowly(BUY, seconds=0.3)
    first, second = await shop.buy(), await shop.buy()
    results = await asyncio.gather(shop.call(DeliverPurchase, first), shop.call(DeliverPurchase, second))
    assert sorted(r.value for r in results) == ["busy", "claimed"]

    async def both_done():
        return [(await shop.tx(t)).status for t in (first, second)] == [TxStatus.COMPLETED] * 2

    await shop.work(both_done)
    assert shop.fake.calls[BUY] == 2
    refs = {(await shop.tx(first)).receipt.ref_id, (await shop.tx(second)).receipt.ref_id}
    assert refs == {o.ref_id for o in shop.fake.orders}


async def test_sales_pause_below_the_wallet_floor_and_take_no_money(stack):
    fake = FakeFragment(seed=SEED, users={"alice_user"}, balance=Decimal("0.5"))
    async with fake.running() as url:
        container = build_container(settings_for(stack, url, wallet_floor=Decimal(1)))
        shop = Shop(container, fake)
        try:
            await shop.call(RegisterUser, TelegramProfile(user_id=USER))
            await shop.call(GrantBonus, gift("5"))
            with pytest.raises(SalesPaused):
                await shop.buy()
            assert await shop.balance() == ("5.00", "0.00")
        finally:
            await container.close()


async def test_with_fragment_cookies_the_recipient_is_checked_before_money_moves(stack):
    fake = FakeFragment(seed=SEED, cookies="stel_ssid=abc; stel_token=def", users={"alice_user"})
    async with fake.running() as url:
        container = build_container(settings_for(stack, url, fragment_cookies=Secret(fake.cookies)))
        shop = Shop(container, fake)
        try:
            await shop.call(RegisterUser, TelegramProfile(user_id=USER))
            await shop.call(GrantBonus, gift("5"))
            with pytest.raises(RecipientNotFound):
                await shop.buy("ghost_user")
            assert await shop.balance() == ("5.00", "0.00")
            assert shop.fake.calls["/getUserInfo"] == 1
        finally:
            await container.close()
