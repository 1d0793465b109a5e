from datetime import timedelta
from decimal import Decimal

import pytest

from starshop.application.errors import (
    IdempotencyConflict,
    PaymentGatewayUnavailable,
    RateLimited,
    RecipientNotFound,
    SalesPaused,
    UnknownUser,
)
from starshop.application.ports import ClaimResult, Refused, UnitOfWork, Unknown
from starshop.application.use_cases.buy_stars import BuyStarsInput
from starshop.application.use_cases.reconcile_purchases import ReconcilePurchases
from starshop.application.use_cases.record_delivery import DeliveryResult, RecordDelivery, Recorded
from starshop.domain import (
    DailyLimitExceeded,
    IllegalTransition,
    InsufficientFunds,
    InvalidRecipient,
    InvalidStarAmount,
    PaymentStatus,
    PayWith,
    TxStatus,
)
from starshop.domain.events import OperatorAttention, PurchaseDelayed, PurchaseDelivered, PurchaseRefused
from starshop.testing import build_in_memory_shop, default_config, default_policy

from .conftest import ALICE, fund


def buy(stars=100, recipient="@bob_the_user", pay_with=PayWith.BALANCE, key=None):
    return BuyStarsInput(user_id=ALICE, stars=stars, recipient=recipient, pay_with=pay_with, idempotency_key=key)


async def balance(shop):
    b = await shop.get_balance(ALICE)
    return str(b.amount.amount), str(b.held.amount)


async def test_buying_from_the_balance_holds_the_price_then_delivery_captures_it(shop, alice):
    await fund(shop, alice, "10")
    result = await shop.buy_stars(buy(100))
    assert result.purchase.status is TxStatus.PENDING
    assert result.purchase.amount == shop.money("1.65")
    assert result.purchase.recipient == "bob_the_user"
    assert await balance(shop) == ("10.00", "1.65")
    await shop.run_background()
    tx = shop.store.tables.transactions[result.purchase.id]
    assert tx.status is TxStatus.COMPLETED
    assert tx.receipt.ref_id == f"Ref#{tx.id}"
    assert await balance(shop) == ("8.35", "0.00")
    assert len(shop.delivery.deliver_calls) == 1
    assert any(isinstance(e, PurchaseDelivered) for e in shop.notifier.sent)
    assert (await shop.audit_ledger()).ok


async def test_a_refused_delivery_releases_the_hold_and_tells_the_user(shop, alice):
    await fund(shop, alice, "10")
    shop.delivery.script("refused")
    result = await shop.buy_stars(buy(100))
    await shop.run_background()
    tx = shop.store.tables.transactions[result.purchase.id]
    assert tx.status is TxStatus.FAILED
    assert tx.failure_reason == "scripted refusal"
    assert await balance(shop) == ("10.00", "0.00")
    assert [type(e) for e in shop.notifier.sent if isinstance(e, PurchaseRefused)] == [PurchaseRefused]


async def test_an_unknown_outcome_keeps_the_hold_is_never_refunded_nor_bought_again(shop, alice):
    await fund(shop, alice, "10")
    shop.delivery.script("unknown")
    result = await shop.buy_stars(buy(100))
    await shop.run_background()
    tx = shop.store.tables.transactions[result.purchase.id]
    assert tx.status is TxStatus.PROCESSING
    assert tx.outcome_unknown
    assert await balance(shop) == ("10.00", "1.65")
    assert any(isinstance(e, PurchaseDelayed) for e in shop.notifier.sent)
    for _ in range(3):
        shop.clock.advance(timedelta(minutes=5))
        await shop.reconcile_purchases()
        await shop.run_background()
    assert len(shop.delivery.deliver_calls) == 1
    assert shop.store.tables.transactions[result.purchase.id].status is TxStatus.PROCESSING
    assert await balance(shop) == ("10.00", "1.65")


async def test_a_slow_success_reported_unknown_is_reconciled_as_delivered(shop, alice):
    await fund(shop, alice, "10")
    shop.delivery.script("unknown_bought")
    result = await shop.buy_stars(buy(100))
    await shop.run_background()
    assert shop.store.tables.transactions[result.purchase.id].status is TxStatus.PROCESSING
    shop.clock.advance(timedelta(minutes=1))
    assert (await shop.reconcile_purchases()).delivered == 0  # too early: the attempt may still be running
    shop.clock.advance(timedelta(minutes=2, seconds=1))
    report = await shop.reconcile_purchases()
    assert report.delivered == 1
    assert shop.store.tables.transactions[result.purchase.id].status is TxStatus.COMPLETED
    assert await balance(shop) == ("8.35", "0.00")
    assert len(shop.delivery.deliver_calls) == 1


async def test_an_unknown_outcome_past_the_deadline_is_flagged_once(shop, alice):
    await fund(shop, alice, "10")
    shop.delivery.script("unknown")
    result = await shop.buy_stars(buy(100))
    await shop.run_background()
    shop.clock.advance(timedelta(minutes=31))
    assert (await shop.reconcile_purchases()).flagged == 1
    assert (await shop.reconcile_purchases()).flagged == 0
    await shop.relay_outbox()
    tx = shop.store.tables.transactions[result.purchase.id]
    assert tx.status is TxStatus.PROCESSING
    assert "deadline" in tx.flag
    assert sum(isinstance(e, OperatorAttention) for e in shop.notifier.sent) == 1


async def test_flagged_purchases_never_starve_the_lookup_of_newer_ones():
    """Flagged purchases stay open (an operator decides), so a sweep that always took the oldest attempts first
    would, once a batch of them piled up, never look up a newer purchase again: each sweep takes the purchases
    looked at least recently instead."""
    from starshop.application.use_cases.register_user import TelegramProfile

    shop = build_in_memory_shop(config=default_config(batch_size=2))
    await shop.register_user(TelegramProfile(user_id=ALICE))
    await fund(shop, ALICE, "20")
    shop.delivery.script("unknown", "unknown", "unknown")
    for n in range(3):
        await shop.buy_stars(buy(100, recipient=f"@never_found_{n}"))
    await shop.run_background()
    shop.clock.advance(timedelta(hours=1))
    for _ in range(2):
        await shop.reconcile_purchases()
    assert sum(tx.flag is not None for tx in shop.store.tables.transactions.values()) == 3
    shop.delivery.script("unknown_bought")
    late = await shop.buy_stars(buy(100, recipient="@bought_late"))
    await shop.run_background()
    shop.clock.advance(timedelta(minutes=4))
    reports = [await shop.reconcile_purchases() for _ in range(3)]
    assert sum(r.delivered for r in reports) == 1
    assert shop.store.tables.transactions[late.purchase.id].status is TxStatus.COMPLETED


async def test_a_failed_lookup_changes_nothing(shop, alice):
    await fund(shop, alice, "10")
    shop.delivery.script("unknown")
    await shop.buy_stars(buy(100))
    await shop.run_background()
    shop.delivery.lookup_fails = True
    shop.clock.advance(timedelta(hours=1))
    report = await shop.reconcile_purchases()
    assert (report.lookup_failed, report.flagged) == (1, 0)
    assert await balance(shop) == ("10.00", "1.65")


async def test_a_lost_task_is_requeued_by_the_sweep_and_delivered_once(shop, alice):
    await fund(shop, alice, "10")
    result = await shop.buy_stars(buy(100))
    await shop.relay_outbox()
    shop.queue.drain()  # the worker died before running it
    shop.clock.advance(timedelta(minutes=2))
    assert (await shop.reconcile_purchases()).requeued == 1
    await shop.run_background()
    await shop.deliver_purchase(result.purchase.id)  # and a redelivered duplicate task
    assert shop.store.tables.transactions[result.purchase.id].status is TxStatus.COMPLETED
    assert len(shop.delivery.deliver_calls) == 1


async def test_two_workers_racing_for_one_purchase_buy_once(shop, alice):
    import asyncio

    await fund(shop, alice, "10")
    result = await shop.buy_stars(buy(100))
    claims = await asyncio.gather(*(shop.deliver_purchase(result.purchase.id) for _ in range(5)))
    assert sorted(claims) == sorted([ClaimResult.CLAIMED] + [ClaimResult.NOT_CLAIMABLE] * 4)
    assert len(shop.delivery.deliver_calls) == 1


async def test_purchases_of_the_same_stars_for_the_same_recipient_are_serialised(shop, alice):
    await fund(shop, alice, "10")
    shop.delivery.script("unknown")
    first = await shop.buy_stars(buy(100))
    second = await shop.buy_stars(buy(100))
    other = await shop.buy_stars(buy(150))
    assert await shop.deliver_purchase(first.purchase.id) is ClaimResult.CLAIMED
    assert await shop.deliver_purchase(second.purchase.id) is ClaimResult.BUSY
    assert await shop.deliver_purchase(other.purchase.id) is ClaimResult.CLAIMED
    await shop.record_delivery(DeliveryResult(tx_id=first.purchase.id, outcome=Refused(reason="operator: not bought")))
    assert await shop.deliver_purchase(second.purchase.id) is ClaimResult.CLAIMED


async def test_insufficient_funds_creates_nothing_and_says_what_is_missing(shop, alice):
    await fund(shop, alice, "1")
    with pytest.raises(InsufficientFunds) as err:
        await shop.buy_stars(buy(100))
    assert err.value.missing == shop.money("0.65")
    assert [t.type.value for t in shop.store.tables.transactions.values()] == ["recharge"]
    assert await balance(shop) == ("1.00", "0.00")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (buy(49), InvalidStarAmount),
        (buy(10_001), InvalidStarAmount),
        (buy(100, "bad name"), InvalidRecipient),
        (buy(100, "@abc"), InvalidRecipient),
    ],
)
async def test_bad_purchases_are_refused_before_anything_happens(shop, alice, data, error):
    await fund(shop, alice, "10")
    with pytest.raises(error):
        await shop.buy_stars(data)
    assert len(shop.store.tables.transactions) == 1
    assert shop.delivery.deliver_calls == []


async def test_an_unknown_recipient_is_refused_before_money_moves(shop, alice):
    await fund(shop, alice, "10")
    shop.delivery.unknown_users.add("ghost_user")
    with pytest.raises(RecipientNotFound):
        await shop.buy_stars(buy(100, "@ghost_user"))
    assert await balance(shop) == ("10.00", "0.00")


async def test_sales_pause_when_the_provider_wallet_is_below_the_floor():
    from starshop.application.use_cases.register_user import TelegramProfile

    shop = build_in_memory_shop(config=default_config(wallet_floor=Decimal(5)))
    await shop.register_user(TelegramProfile(user_id=ALICE))
    await fund(shop, ALICE, "10")
    shop.delivery.wallet = Decimal("4.99")
    with pytest.raises(SalesPaused):
        await shop.buy_stars(buy(100))
    assert await balance(shop) == ("10.00", "0.00")
    shop.delivery.wallet = Decimal(5)
    await shop.buy_stars(buy(100))


async def test_daily_limits_refuse_the_purchase_over_the_limit():
    from starshop.application.use_cases.register_user import TelegramProfile

    shop = build_in_memory_shop(policy=default_policy(daily_purchases=2))
    await shop.register_user(TelegramProfile(user_id=ALICE))
    await fund(shop, ALICE, "10")
    await shop.buy_stars(buy(100))
    await shop.buy_stars(buy(100))
    with pytest.raises(DailyLimitExceeded):
        await shop.buy_stars(buy(100))
    shop.clock.advance(timedelta(days=1))
    await shop.buy_stars(buy(100))


async def test_purchases_are_rate_limited(shop, alice):
    await fund(shop, alice, "10")
    shop.limiter.limits = {"purchase": (0, 60.0)}
    with pytest.raises(RateLimited):
        await shop.buy_stars(buy(100))


async def test_an_unregistered_user_cannot_buy(shop):
    with pytest.raises(UnknownUser):
        await shop.buy_stars(buy(100))


async def test_the_same_idempotency_key_creates_one_purchase(shop, alice):
    await fund(shop, alice, "10")
    first = await shop.buy_stars(buy(100, key="abc"))
    again = await shop.buy_stars(buy(100, "https://t.me/bob_the_user", key="abc"))
    assert again.replayed
    assert again.purchase.id == first.purchase.id
    assert await balance(shop) == ("10.00", "1.65")
    with pytest.raises(IdempotencyConflict):
        await shop.buy_stars(buy(200, key="abc"))


async def test_paying_by_invoice_waits_for_the_invoice_then_funds_and_delivers(shop, alice):
    result = await shop.buy_stars(buy(100, pay_with=PayWith.INVOICE))
    assert result.invoice is not None
    assert result.purchase.status is TxStatus.PENDING
    assert not result.purchase.funded
    await shop.run_background()
    assert shop.delivery.deliver_calls == []
    recharge = next(t for t in shop.store.tables.transactions.values() if t.purchase_id == result.purchase.id)
    assert recharge.amount == shop.money("1.65")
    await shop.confirm_payment(shop.gateway.set_status(recharge.order_id, PaymentStatus.PAID))
    assert shop.store.tables.transactions[result.purchase.id].funded
    assert await balance(shop) == ("1.65", "1.65")
    await shop.run_background()
    assert shop.store.tables.transactions[result.purchase.id].status is TxStatus.COMPLETED
    assert await balance(shop) == ("0.00", "0.00")
    assert (await shop.audit_ledger()).ok


async def test_a_purchase_whose_invoice_expires_is_cancelled_and_a_late_payment_stays_on_the_balance(shop, alice):
    result = await shop.buy_stars(buy(100, pay_with=PayWith.INVOICE))
    recharge = next(t for t in shop.store.tables.transactions.values() if t.purchase_id == result.purchase.id)
    shop.gateway.fail_fetch = PaymentGatewayUnavailable
    shop.clock.advance(timedelta(hours=2))
    await shop.expire_stale_invoices()
    assert shop.store.tables.transactions[result.purchase.id].status is TxStatus.CANCELLED
    await shop.confirm_payment(shop.gateway.set_status(recharge.order_id, PaymentStatus.PAID))
    assert await balance(shop) == ("1.65", "0.00")
    await shop.run_background()
    assert shop.delivery.deliver_calls == []
    assert (await shop.audit_ledger()).ok


async def test_the_invoice_purchase_replays_its_invoice(shop, alice):
    first = await shop.buy_stars(buy(100, pay_with=PayWith.INVOICE, key="inv"))
    again = await shop.buy_stars(buy(100, pay_with=PayWith.INVOICE, key="inv"))
    assert again.invoice == first.invoice
    assert shop.gateway.create_calls == 1


async def test_recording_an_outcome_on_a_purchase_not_being_delivered_is_illegal(shop, alice):
    await fund(shop, alice, "10")
    result = await shop.buy_stars(buy(100))
    with pytest.raises(IllegalTransition):
        await shop.record_delivery(DeliveryResult(tx_id=result.purchase.id, outcome=Unknown(reason="x")))
    await shop.run_background()
    again = await shop.record_delivery(DeliveryResult(tx_id=result.purchase.id, outcome=Unknown(reason="late")))
    assert again is Recorded.ALREADY
    late = await shop.record_delivery(DeliveryResult(tx_id=result.purchase.id, outcome=Refused(reason="late")))
    assert late is Recorded.CONTRADICTED  # kept and flagged, never applied
    assert shop.store.tables.transactions[result.purchase.id].status is TxStatus.COMPLETED


class _QueueDown:
    async def enqueue(self, task, tx_id):
        raise ConnectionError("queue is away")


async def test_the_sweep_requeues_a_purchase_at_most_once_per_interval_and_survives_a_queue_outage(shop, alice):
    await fund(shop, alice, "10")
    result = await shop.buy_stars(buy(100))
    await shop.relay_outbox()
    shop.queue.drain()  # lost
    shop.clock.advance(timedelta(minutes=2))
    assert (await shop.reconcile_purchases()).requeued == 1
    assert (await shop.reconcile_purchases()).requeued == 0  # its copy may still be waiting in the queue
    shop.clock.advance(timedelta(minutes=2))

    async with shop.container() as scope:  # the same sweep, with the queue away
        uow, record = await scope.get(UnitOfWork), await scope.get(RecordDelivery)
        sweep = ReconcilePurchases(uow, shop.delivery, _QueueDown(), shop.clock, record, shop.config)
        assert (await sweep()).requeued == 0
    assert shop.store.tables.transactions[result.purchase.id].status is TxStatus.PENDING


async def test_an_underpaid_purchase_invoice_credits_what_was_received_and_never_takes_the_rest_from_the_balance():
    from starshop.application.use_cases.confirm_payment import PaymentOutcome
    from starshop.application.use_cases.register_user import TelegramProfile
    from starshop.domain import UnderpaymentPolicy
    from starshop.domain.events import PurchaseCancelled

    shop = build_in_memory_shop(underpayment=UnderpaymentPolicy.PRO_RATA)
    await shop.register_user(TelegramProfile(user_id=ALICE, username="alice"))
    await fund(shop, ALICE, "5")  # other money on the balance
    result = await shop.buy_stars(buy(100, pay_with=PayWith.INVOICE))
    invoice = await shop.invoice_of(result.purchase.id)
    note = shop.gateway.set_status(invoice.order_id, PaymentStatus.UNDERPAID, paid=shop.money("1.00"))
    assert await shop.confirm_payment(note) is PaymentOutcome.CREDITED_PARTIALLY
    assert await balance(shop) == ("6.00", "0.00")
    purchase = await shop.transaction(result.purchase.id)
    assert (purchase.status, purchase.funded) == (TxStatus.CANCELLED, False)
    await shop.run_background()
    assert shop.delivery.deliver_calls == []
    assert any(isinstance(e, PurchaseCancelled) and e.tx_id == purchase.id for e in shop.notifier.sent)
    assert (await shop.audit_ledger()).ok
