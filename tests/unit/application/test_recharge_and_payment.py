from datetime import timedelta

import pytest

from starshop.adapters.inprocess import InMemoryOutboxUnitOfWork
from starshop.application.errors import (
    IdempotencyConflict,
    PaymentGatewayRefused,
    PaymentGatewayUnavailable,
    RateLimited,
    UnknownUser,
)
from starshop.application.use_cases.confirm_payment import PaymentOutcome
from starshop.application.use_cases.create_recharge import CreateRechargeInput
from starshop.application.use_cases.relay_outbox import RelayOutbox, RelayReport
from starshop.domain import Currency, CurrencyMismatch, InvalidAmount, Money, PaymentStatus, TxStatus
from starshop.domain import UnderpaymentPolicy as UP
from starshop.domain.events import OperatorAttention, PaymentReceived
from starshop.testing import build_in_memory_shop

from .conftest import ALICE


async def recharge(shop, amount="10", key=None):
    return await shop.create_recharge(
        CreateRechargeInput(user_id=ALICE, amount=shop.money(amount), idempotency_key=key)
    )


async def test_create_recharge_stores_a_pending_row_and_returns_the_invoice(shop, alice):
    result = await recharge(shop)
    assert result.recharge.status is TxStatus.PENDING
    assert result.recharge.order_id == result.recharge.id
    assert len(result.recharge.order_id) <= 32
    assert result.invoice.url.endswith(result.invoice.uuid)
    stored = shop.store.tables.transactions[result.recharge.id]
    assert stored.invoice == result.invoice
    assert stored.expires_at == result.invoice.expires_at


@pytest.mark.parametrize("amount", ["0", "-5", "0.99", "10000.01"])
async def test_create_recharge_refuses_amounts_outside_the_bounds(shop, alice, amount):
    with pytest.raises(InvalidAmount):
        await recharge(shop, amount)
    assert shop.store.tables.transactions == {}


async def test_create_recharge_refuses_another_currency(shop, alice):
    with pytest.raises(CurrencyMismatch):
        await shop.create_recharge(CreateRechargeInput(user_id=ALICE, amount=Money.of("10", Currency.of("TON"))))


async def test_create_recharge_for_an_unknown_user_is_refused(shop):
    with pytest.raises(UnknownUser):
        await recharge(shop)
    assert shop.store.tables.transactions == {}


async def test_create_recharge_is_rate_limited(shop, alice):
    shop.limiter.limits = {"recharge": (0, 60.0)}
    with pytest.raises(RateLimited):
        await recharge(shop)
    assert shop.store.tables.transactions == {}


async def test_the_same_idempotency_key_returns_the_first_recharge(shop, alice):
    first = await recharge(shop, key="k1")
    again = await recharge(shop, key="k1")
    assert again.replayed
    assert again.recharge.id == first.recharge.id
    assert len(shop.store.tables.transactions) == 1
    with pytest.raises(IdempotencyConflict):
        await recharge(shop, "11", key="k1")


async def test_a_refused_invoice_fails_the_recharge(shop, alice):
    shop.gateway.fail_create = PaymentGatewayRefused
    with pytest.raises(PaymentGatewayRefused):
        await recharge(shop)
    [tx] = shop.store.tables.transactions.values()
    assert tx.status is TxStatus.FAILED


async def test_an_unreachable_gateway_leaves_the_recharge_pending_and_a_retry_gets_the_invoice(shop, alice):
    shop.gateway.fail_create = PaymentGatewayUnavailable
    with pytest.raises(PaymentGatewayUnavailable):
        await recharge(shop, key="k")
    [tx] = shop.store.tables.transactions.values()
    assert tx.status is TxStatus.PENDING
    shop.gateway.fail_create = None
    again = await recharge(shop, key="k")
    assert again.recharge.id == tx.id
    assert again.invoice.uuid == f"inv-{tx.order_id}"


async def test_paid_credits_the_stored_amount_exactly_once(shop, alice):
    result = await recharge(shop, "10")
    note = shop.gateway.set_status(result.recharge.order_id, PaymentStatus.PAID)
    outcomes = [await shop.confirm_payment(note) for _ in range(5)]
    assert outcomes == [PaymentOutcome.CREDITED] + [PaymentOutcome.DUPLICATE] * 4
    assert (await shop.get_balance(ALICE)).amount == shop.money("10")
    await shop.relay_outbox()
    assert [e for e in shop.notifier.sent if isinstance(e, PaymentReceived)] == [
        PaymentReceived(user_id=ALICE, tx_id=result.recharge.id, amount=shop.money("10"), balance=shop.money("10"))
    ]


async def test_overpaid_credits_the_stored_amount_not_what_was_paid(shop, alice):
    result = await recharge(shop, "10")
    note = shop.gateway.set_status(result.recharge.order_id, PaymentStatus.OVERPAID, paid=shop.money("12"))
    assert await shop.confirm_payment(note) is PaymentOutcome.CREDITED
    assert (await shop.get_balance(ALICE)).amount == shop.money("10")


async def test_a_late_check_after_paid_changes_nothing(shop, alice):
    result = await recharge(shop)
    order = result.recharge.order_id
    await shop.confirm_payment(shop.gateway.set_status(order, PaymentStatus.PAID))
    assert await shop.confirm_payment(shop.gateway.notification(order, PaymentStatus.WAITING)) is PaymentOutcome.IGNORED
    assert (
        await shop.confirm_payment(shop.gateway.notification(order, PaymentStatus.CANCELLED)) is PaymentOutcome.IGNORED
    )
    tx = shop.store.tables.transactions[result.recharge.id]
    assert tx.status is TxStatus.COMPLETED
    assert tx.gateway_status == "paid"


async def test_intermediate_statuses_move_pending_to_processing_and_never_back(shop, alice):
    result = await recharge(shop)
    order = result.recharge.order_id
    await shop.confirm_payment(shop.gateway.notification(order, PaymentStatus.CONFIRMING))
    assert shop.store.tables.transactions[result.recharge.id].status is TxStatus.PROCESSING
    await shop.confirm_payment(shop.gateway.notification(order, PaymentStatus.WAITING))
    assert shop.store.tables.transactions[result.recharge.id].status is TxStatus.PROCESSING
    assert (await shop.get_balance(ALICE)).amount == shop.money("0")


async def test_a_notification_for_an_unknown_order_changes_nothing(shop, alice):
    result = await recharge(shop)
    note = shop.gateway.notification(result.recharge.order_id, PaymentStatus.PAID)
    forged = type(note)(order_id="nope", invoice_uuid=note.invoice_uuid, status=note.status, amount=note.amount)
    assert await shop.confirm_payment(forged) is PaymentOutcome.UNKNOWN_ORDER
    assert (await shop.get_balance(ALICE)).amount == shop.money("0")


@pytest.mark.parametrize(
    "change",
    [
        {"amount": Money.of("11", Currency.of("USD"))},
        {"amount": Money.of("10", Currency.of("TON"))},
        {"invoice_uuid": "someone-elses"},
    ],
)
async def test_a_mismatched_notification_is_refused_and_flagged(shop, alice, change):
    result = await recharge(shop, "10")
    note = shop.gateway.notification(result.recharge.order_id, PaymentStatus.PAID)
    from attrs import evolve

    assert await shop.confirm_payment(evolve(note, **change)) is PaymentOutcome.MISMATCH
    tx = shop.store.tables.transactions[result.recharge.id]
    assert tx.status is TxStatus.PENDING
    assert tx.flag is not None
    assert (await shop.get_balance(ALICE)).amount == shop.money("0")


async def test_paid_after_local_expiry_is_credited_and_flagged(shop, alice):
    result = await recharge(shop, "10")
    shop.gateway.fail_fetch = PaymentGatewayUnavailable
    shop.clock.advance(timedelta(hours=2))
    report = await shop.expire_stale_invoices()
    assert report.expired == 1
    note = shop.gateway.set_status(result.recharge.order_id, PaymentStatus.PAID)
    assert await shop.confirm_payment(note) is PaymentOutcome.CREDITED_LATE
    tx = shop.store.tables.transactions[result.recharge.id]
    assert tx.status is TxStatus.COMPLETED
    assert "paid after local expiry" in tx.flag
    assert (await shop.get_balance(ALICE)).amount == shop.money("10")


@pytest.mark.parametrize("status", [PaymentStatus.CANCELLED, PaymentStatus.FAILED])
async def test_cancelled_and_failed_invoices_close_the_recharge_without_credit(shop, alice, status):
    result = await recharge(shop)
    assert (
        await shop.confirm_payment(shop.gateway.set_status(result.recharge.order_id, status)) is PaymentOutcome.CLOSED
    )
    tx = shop.store.tables.transactions[result.recharge.id]
    assert tx.status is (TxStatus.EXPIRED if status is PaymentStatus.CANCELLED else TxStatus.FAILED)
    assert (await shop.get_balance(ALICE)).amount == shop.money("0")


@pytest.mark.parametrize("status", [PaymentStatus.LOCKED, PaymentStatus.REFUNDING, PaymentStatus.REFUNDED])
async def test_locked_and_refund_statuses_flag_for_an_operator_and_move_no_money(shop, alice, status):
    result = await recharge(shop)
    order = result.recharge.order_id
    if status.is_refund:
        await shop.confirm_payment(shop.gateway.set_status(order, PaymentStatus.PAID))
    assert await shop.confirm_payment(shop.gateway.set_status(order, status)) is PaymentOutcome.FLAGGED
    await shop.relay_outbox()
    assert any(isinstance(e, OperatorAttention) for e in shop.notifier.sent)
    expected = "10" if status.is_refund else "0"
    assert (await shop.get_balance(ALICE)).amount == shop.money(expected)


async def test_underpaid_with_policy_none_credits_nothing_and_flags(alice, shop):
    result = await recharge(shop, "10")
    note = shop.gateway.set_status(result.recharge.order_id, PaymentStatus.UNDERPAID, paid=shop.money("6"))
    assert await shop.confirm_payment(note) is PaymentOutcome.FLAGGED
    tx = shop.store.tables.transactions[result.recharge.id]
    assert tx.status is TxStatus.FAILED
    assert "underpaid" in tx.flag
    assert (await shop.get_balance(ALICE)).amount == shop.money("0")


async def test_underpaid_with_policy_pro_rata_credits_what_was_received_and_flags():
    from starshop.application.use_cases.register_user import TelegramProfile

    shop = build_in_memory_shop(underpayment=UP.PRO_RATA)
    await shop.register_user(TelegramProfile(user_id=ALICE))
    result = await recharge(shop, "10")
    note = shop.gateway.set_status(result.recharge.order_id, PaymentStatus.UNDERPAID, paid=shop.money("6.50"))
    assert await shop.confirm_payment(note) is PaymentOutcome.CREDITED_PARTIALLY
    assert await shop.confirm_payment(note) is PaymentOutcome.DUPLICATE
    tx = shop.store.tables.transactions[result.recharge.id]
    assert tx.status is TxStatus.COMPLETED
    assert tx.amount == shop.money("6.50")
    assert tx.invoice_amount == shop.money("10")
    assert "underpaid" in tx.flag
    assert (await shop.get_balance(ALICE)).amount == shop.money("6.50")
    assert (await shop.audit_ledger()).ok


async def test_reconciliation_credits_a_paid_invoice_whose_webhook_never_came(shop, alice):
    result = await recharge(shop, "10")
    shop.gateway.set_status(result.recharge.order_id, PaymentStatus.PAID)
    shop.clock.advance(timedelta(minutes=58))
    report = await shop.expire_stale_invoices()
    assert (report.checked, report.credited, report.expired) == (1, 1, 0)
    assert (await shop.get_balance(ALICE)).amount == shop.money("10")


async def test_reconciliation_asks_each_invoice_at_most_every_interval_and_expires_after_the_grace(shop, alice):
    await recharge(shop, "10")
    shop.clock.advance(timedelta(minutes=58))
    assert (await shop.expire_stale_invoices()).checked == 1
    shop.clock.advance(timedelta(seconds=10))
    assert (await shop.expire_stale_invoices()).checked == 0
    shop.clock.advance(timedelta(minutes=5))
    report = await shop.expire_stale_invoices()
    assert (report.checked, report.expired) == (1, 1)
    [tx] = shop.store.tables.transactions.values()
    assert tx.status is TxStatus.EXPIRED


async def test_reconciliation_leaves_invoices_far_from_expiry_alone(shop, alice):
    await recharge(shop, "10")
    assert (await shop.expire_stale_invoices()).checked == 0


async def test_a_payment_seen_but_unconfirmed_at_expiry_is_flagged_not_expired(shop, alice):
    result = await recharge(shop, "10")
    await shop.confirm_payment(shop.gateway.set_status(result.recharge.order_id, PaymentStatus.CONFIRMING))
    shop.clock.advance(timedelta(hours=2))
    assert (await shop.expire_stale_invoices()).expired == 0
    tx = shop.store.tables.transactions[result.recharge.id]
    assert tx.status is TxStatus.PROCESSING
    assert "not confirmed" in tx.flag
    await shop.confirm_payment(shop.gateway.set_status(result.recharge.order_id, PaymentStatus.PAID))
    assert (await shop.get_balance(ALICE)).amount == shop.money("10")


class _PublisherDown:
    async def publish(self, event):
        raise ConnectionError("down")

    async def publish_many(self, events):
        raise ConnectionError("down")


async def test_the_relay_publishes_a_batch_at_once_and_keeps_it_when_publishing_fails(shop, alice):
    for amount in ("10", "20"):
        result = await recharge(shop, amount)
        await shop.confirm_payment(shop.gateway.set_status(result.recharge.order_id, PaymentStatus.PAID))
    failing = RelayOutbox(InMemoryOutboxUnitOfWork(shop.store), shop.notifier, _PublisherDown(), shop.queue, shop.clock)
    report = await failing()
    assert (report.claimed, report.delivered, report.failed) == (4, 0, 4)  # two credits, two balance changes each
    shop.clock.advance(timedelta(minutes=5))  # the lease runs out
    async with shop.publisher.subscribe(ALICE) as events:
        report = await shop.relay_outbox()
        published = [events.queue.get_nowait() for _ in range(events.queue.qsize())]
    assert (report.claimed, report.delivered, report.full) == (4, 4, False)
    assert [type(e).__name__ for e in published].count("PaymentReceived") == 2
    assert await shop.relay_outbox() == RelayReport()  # nothing left: each was completed once
