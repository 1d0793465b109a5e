"""Operators inside the saga (issue 13, items 9 and 10): every rule on memory, SQLite and Postgres."""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from starshop.application.errors import (
    AlreadySettled,
    NotSettleable,
    ProviderHasNoOrder,
    ProviderHasOrder,
    ProviderLookupFailed,
)
from starshop.application.ports import Delivered, Refused
from starshop.application.use_cases.buy_stars import BuyStarsInput
from starshop.application.use_cases.create_recharge import CreateRechargeInput
from starshop.application.use_cases.record_delivery import DeliveryResult, Recorded
from starshop.application.use_cases.register_user import TelegramProfile
from starshop.application.use_cases.resolve_purchase import OperatorVerdict, Verdict
from starshop.domain import DeliveryReceipt, PaymentStatus, PayWith, TxStatus
from starshop.domain.events import OperatorAttention
from starshop.entrypoints.settings import DatabaseSettings
from starshop.testing import InMemoryShop, build_shop

ALICE = 1001
PAST_LOOKUP = timedelta(minutes=4)  # the default lookup delay is 3 minutes


@pytest.fixture
async def shop(backend: tuple[str, str | None]) -> AsyncIterator[InMemoryShop]:
    _, url = backend
    shop = build_shop(database=DatabaseSettings(url=url) if url is not None else None)
    await shop.register_user(TelegramProfile(user_id=ALICE, username="alice", language_code="en"))
    recharge = await shop.create_recharge(CreateRechargeInput(user_id=ALICE, amount=shop.money("10")))
    await shop.confirm_payment(shop.gateway.set_status(recharge.recharge.order_id, PaymentStatus.PAID))
    yield shop
    await shop.aclose()


async def purchase(shop: InMemoryShop, *outcomes: str, stars: int = 100) -> str:
    shop.delivery.script(*outcomes)
    result = await shop.buy_stars(
        BuyStarsInput(user_id=ALICE, stars=stars, recipient="@bob_the_user", pay_with=PayWith.BALANCE)
    )
    await shop.run_background()
    return result.purchase.id


async def balance(shop: InMemoryShop) -> tuple[str, str]:
    b = await shop.get_balance(ALICE)
    return str(b.amount.amount), str(b.held.amount)


def refused(tx_id: str) -> OperatorVerdict:
    return OperatorVerdict(tx_id=tx_id, verdict=Verdict.REFUSED, reason="not in getOrders")


def delivered(tx_id: str, ref_id: str) -> OperatorVerdict:
    return OperatorVerdict(tx_id=tx_id, verdict=Verdict.DELIVERED, reason="found it", ref_id=ref_id)


async def alerts(shop: InMemoryShop) -> list[str]:
    await shop.run_background()
    return [e.reason for e in shop.notifier.sent if isinstance(e, OperatorAttention)]


# --- item 9: operator resolve is guarded


async def test_an_operator_cannot_refund_a_purchase_whose_stars_were_bought(shop):
    tx_id = await purchase(shop, "unknown_bought")
    shop.clock.advance(PAST_LOOKUP)
    with pytest.raises(ProviderHasOrder, match=f"Ref#{tx_id}"):
        await shop.resolve_purchase(refused(tx_id))
    tx = await shop.transaction(tx_id)
    assert (tx.status, tx.outcome_unknown) == (TxStatus.PROCESSING, True)
    assert await balance(shop) == ("10.00", "1.65")


async def test_an_operator_cannot_settle_a_purchase_whose_provider_call_is_still_in_flight(shop):
    result = await shop.buy_stars(BuyStarsInput(user_id=ALICE, stars=100, recipient="@bob_the_user"))
    async with shop.uow() as uow:  # a worker claimed it and is waiting for the provider's answer
        await uow.transactions.claim_delivery(result.purchase.id, shop.clock.now())
        await uow.commit()
    for wait in (timedelta(0), PAST_LOOKUP):
        shop.clock.advance(wait)
        with pytest.raises(NotSettleable, match="still being delivered"):
            await shop.resolve_purchase(refused(result.purchase.id))
    assert (await shop.transaction(result.purchase.id)).status is TxStatus.PROCESSING
    assert await balance(shop) == ("10.00", "1.65")


async def test_an_unknown_outcome_is_the_operators_only_after_the_lookup_delay(shop):
    tx_id = await purchase(shop, "unknown")
    shop.clock.advance(timedelta(minutes=1))
    with pytest.raises(NotSettleable, match="too recent"):
        await shop.resolve_purchase(refused(tx_id))
    shop.clock.advance(PAST_LOOKUP)
    settled = await shop.resolve_purchase(refused(tx_id))
    assert (settled.status, settled.failure_reason) == (TxStatus.FAILED, "operator: not in getOrders")
    assert await balance(shop) == ("10.00", "0.00")
    assert (await shop.audit_ledger()).ok


async def test_a_purchase_still_queued_or_already_ended_is_not_settled(shop):
    queued = await shop.buy_stars(BuyStarsInput(user_id=ALICE, stars=100, recipient="@bob_the_user"))
    shop.clock.advance(PAST_LOOKUP)
    with pytest.raises(NotSettleable, match="not being delivered"):
        await shop.resolve_purchase(refused(queued.purchase.id))
    await shop.run_background()
    with pytest.raises(AlreadySettled, match="already ended"):
        await shop.resolve_purchase(refused(queued.purchase.id))
    assert (await shop.transaction(queued.purchase.id)).status is TxStatus.COMPLETED


async def test_a_verdict_is_refused_when_the_provider_cannot_be_asked(shop):
    tx_id = await purchase(shop, "unknown")
    shop.clock.advance(PAST_LOOKUP)
    shop.delivery.lookup_fails = True
    for verdict in (refused(tx_id), delivered(tx_id, f"Ref#{tx_id}")):
        with pytest.raises(ProviderLookupFailed, match="cannot be read"):
            await shop.resolve_purchase(verdict)
    assert (await shop.transaction(tx_id)).status is TxStatus.PROCESSING
    assert await balance(shop) == ("10.00", "1.65")


async def test_a_delivered_verdict_needs_the_providers_order(shop):
    nothing = await purchase(shop, "unknown")
    shop.clock.advance(PAST_LOOKUP)
    with pytest.raises(ProviderHasNoOrder, match="no order"):
        await shop.resolve_purchase(delivered(nothing, "Ref#made-up"))
    assert (await shop.transaction(nothing)).status is TxStatus.PROCESSING


async def test_a_delivered_verdict_records_the_providers_receipt_and_only_for_its_own_ref(shop):
    bought = await purchase(shop, "unknown_bought")
    shop.clock.advance(PAST_LOOKUP)
    with pytest.raises(ProviderHasNoOrder, match=f"is Ref#{bought}, not Ref#other"):
        await shop.resolve_purchase(delivered(bought, "Ref#other"))
    settled = await shop.resolve_purchase(delivered(bought, f"Ref#{bought}"))
    assert settled.status is TxStatus.COMPLETED
    assert settled.receipt == DeliveryReceipt(ref_id=f"Ref#{bought}", tx_hash="0" * 64, cost="0.5")
    assert await balance(shop) == ("8.35", "0.00")
    assert (await shop.audit_ledger()).ok


# --- item 10: a contradicting outcome is never dropped


async def test_a_delivery_reported_after_a_refund_is_kept_with_its_receipt_flagged_and_sent_to_operators(shop):
    tx_id = await purchase(shop, "unknown")
    shop.clock.advance(PAST_LOOKUP)
    await shop.resolve_purchase(refused(tx_id))
    receipt = DeliveryReceipt(ref_id="Ref#late", tx_hash="f" * 64, cost="0.5")
    late = await shop.record_delivery(DeliveryResult(tx_id=tx_id, outcome=Delivered(receipt=receipt)))
    assert late is Recorded.CONTRADICTED
    tx = await shop.transaction(tx_id)
    assert (tx.status, tx.receipt) == (TxStatus.FAILED, receipt)
    assert "order Ref#late delivered after the purchase failed" in tx.flag
    assert await alerts(shop) == [tx.flag]
    assert await balance(shop) == ("10.00", "0.00")
    again = await shop.record_delivery(DeliveryResult(tx_id=tx_id, outcome=Delivered(receipt=receipt)))
    assert again is Recorded.CONTRADICTED
    assert await alerts(shop) == [tx.flag]  # the same contradiction is one alert


async def test_a_refusal_reported_after_completion_is_kept_flagged_and_sent_to_operators(shop):
    tx_id = await purchase(shop)
    late = await shop.record_delivery(DeliveryResult(tx_id=tx_id, outcome=Refused(reason="Insufficient balance")))
    assert late is Recorded.CONTRADICTED
    tx = await shop.transaction(tx_id)
    assert tx.status is TxStatus.COMPLETED
    assert tx.receipt.ref_id == f"Ref#{tx_id}"
    assert (
        tx.flag == f"contradicting outcome: refused (Insufficient balance) after the purchase completed as Ref#{tx_id}"
    )
    assert await alerts(shop) == [tx.flag]
    assert await balance(shop) == ("8.35", "0.00")


async def test_a_second_order_for_a_completed_purchase_is_kept_in_its_flag(shop):
    tx_id = await purchase(shop)
    second = DeliveryReceipt(ref_id="Ref#second")
    assert await shop.record_delivery(DeliveryResult(tx_id=tx_id, outcome=Delivered(receipt=second))) is (
        Recorded.CONTRADICTED
    )
    tx = await shop.transaction(tx_id)
    assert tx.receipt.ref_id == f"Ref#{tx_id}"
    assert "a second order Ref#second" in tx.flag
    assert await alerts(shop) == [tx.flag]


async def test_the_same_outcome_twice_is_no_contradiction(shop):
    tx_id = await purchase(shop)
    tx = await shop.transaction(tx_id)
    assert await shop.record_delivery(DeliveryResult(tx_id=tx_id, outcome=Delivered(receipt=tx.receipt))) is (
        Recorded.ALREADY
    )
    assert (await shop.transaction(tx_id)).flag is None
    assert await alerts(shop) == []


async def test_an_order_that_belongs_to_another_purchase_never_completes_a_second_one(shop):
    first = await purchase(shop)
    second = await purchase(shop, "unknown")
    taken = (await shop.transaction(first)).receipt
    found = DeliveryResult(tx_id=second, outcome=Delivered(receipt=taken), from_lookup=True)
    assert await shop.record_delivery(found) is Recorded.UNKNOWN
    tx = await shop.transaction(second)
    assert (tx.status, tx.outcome_unknown, tx.receipt) == (TxStatus.PROCESSING, True, None)
    assert f"order {taken.ref_id} was reported for this purchase but belongs to another purchase" in tx.flag
    assert await alerts(shop) == [tx.flag]
    assert await balance(shop) == ("8.35", "1.65")
    assert (await shop.audit_ledger()).ok


# --- item 16: a purchase waiting behind an unresolved one is flagged with it, and its buyer told why


async def test_a_purchase_waiting_behind_an_unresolved_one_is_flagged_with_it_and_its_buyer_told_why(shop):
    from starshop.application.ports import ClaimResult
    from starshop.domain.events import PurchaseWaiting

    blocker = await purchase(shop, "unknown")
    waiting = await shop.buy_stars(BuyStarsInput(user_id=ALICE, stars=100, recipient="@bob_the_user"))
    await shop.run_background()
    assert await shop.deliver_purchase(waiting.purchase.id) is ClaimResult.BUSY  # a redelivered task, once more
    held_back = await shop.transaction(waiting.purchase.id)
    assert held_back.status is TxStatus.PENDING
    assert held_back.flag == f"waits behind unresolved purchase {blocker} (same recipient and stars)"
    assert (await shop.transaction(blocker)).flag == (
        f"unresolved, holds back purchase {held_back.id} (same recipient and stars)"
    )
    told = [e for e in shop.notifier.sent if isinstance(e, PurchaseWaiting)]
    assert told == [PurchaseWaiting(user_id=ALICE, tx_id=held_back.id, stars=100, recipient="bob_the_user")]
    assert await alerts(shop) == [held_back.flag]
    shop.clock.advance(PAST_LOOKUP)
    await shop.resolve_purchase(refused(blocker))
    shop.clock.advance(timedelta(minutes=2))
    assert (await shop.reconcile_purchases()).requeued == 1
    await shop.run_background()
    assert (await shop.transaction(held_back.id)).status is TxStatus.COMPLETED


async def test_a_purchase_waiting_behind_one_still_in_flight_is_neither_flagged_nor_announced(shop):
    from starshop.application.ports import ClaimResult

    first = await shop.buy_stars(BuyStarsInput(user_id=ALICE, stars=100, recipient="@bob_the_user"))
    async with shop.uow() as uow:  # its provider call is running
        await uow.transactions.claim_delivery(first.purchase.id, shop.clock.now())
        await uow.commit()
    second = await shop.buy_stars(BuyStarsInput(user_id=ALICE, stars=100, recipient="@bob_the_user"))
    assert await shop.deliver_purchase(second.purchase.id) is ClaimResult.BUSY
    assert (await shop.transaction(second.purchase.id)).flag is None
    assert await alerts(shop) == []
    assert [e.kind for e in shop.notifier.sent if e.tx_id == second.purchase.id] == []


# --- item 11: the ledger agrees with the provider's order history


async def test_the_provider_audit_passes_when_every_order_has_its_completed_purchase(shop):
    start = shop.clock.now()
    await purchase(shop)
    await purchase(shop, stars=150)
    await purchase(shop, "refused", stars=200)
    shop.clock.advance(timedelta(minutes=10))
    report = await shop.audit_provider(start - timedelta(hours=1))
    assert (report.ok, report.orders_checked, report.purchases_checked) == (True, 2, 2)


async def test_the_provider_audit_lists_every_order_and_purchase_that_disagree(shop):
    from starshop.application.ports import DeliveryOrder

    start = shop.clock.now()
    fine = await purchase(shop)
    refunded = await purchase(shop, "unknown_bought", stars=150)
    await shop.record_delivery(DeliveryResult(tx_id=refunded, outcome=Refused(reason="refunded without a lookup")))
    stray = DeliveryReceipt(ref_id="Ref#stray")
    shop.delivery.book.record(DeliveryOrder(purchase_id="-", recipient="carol_gift", stars=75, started_at=start), stray)
    unseen = await purchase(shop, stars=300)
    shop.delivery.book.orders = [o for o in shop.delivery.book.orders if o.receipt.ref_id != f"Ref#{unseen}"]
    shop.clock.advance(timedelta(minutes=2))
    await purchase(shop, stars=50)  # younger than the lookup delay at audit time: not judged yet
    shop.clock.advance(timedelta(minutes=2))
    report = await shop.audit_provider(start - timedelta(hours=1))
    at = start.isoformat()
    assert sorted(m.problem for m in report.mismatches) == sorted(
        [
            f"order Ref#{refunded} (150 stars to @bob_the_user at {at}) belongs to no purchase",
            f"order Ref#stray (75 stars to @carol_gift at {at}) belongs to no purchase",
            f"completed purchase {unseen} records order Ref#{unseen}, which the provider does not show",
        ]
    )
    assert not report.ok
    assert (report.orders_checked, report.purchases_checked) == (3, 2)
    assert fine not in {m.tx_id for m in report.mismatches}
    shop.delivery.lookup_fails = True
    from starshop.application.ports import DeliveryLookupFailed

    with pytest.raises(DeliveryLookupFailed):
        await shop.audit_provider(start)
