from datetime import UTC, datetime

import pytest

from starshop.domain import (
    Currency,
    IllegalTransition,
    InvalidAmount,
    Money,
    Transaction,
    TxStatus,
    TxType,
    can_move,
)

USD = Currency.of("USD")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def tx(type_: TxType = TxType.RECHARGE, status: TxStatus = TxStatus.PENDING, amount: str = "5", **kw) -> Transaction:
    return Transaction(
        id="t1", user_id=1, type=type_, status=status, amount=Money.of(amount, USD), created_at=T0, updated_at=T0, **kw
    )


ALLOWED = {
    (TxStatus.PENDING, TxStatus.PROCESSING),
    (TxStatus.PENDING, TxStatus.COMPLETED),
    (TxStatus.PENDING, TxStatus.FAILED),
    (TxStatus.PENDING, TxStatus.CANCELLED),
    (TxStatus.PENDING, TxStatus.EXPIRED),
    (TxStatus.PROCESSING, TxStatus.COMPLETED),
    (TxStatus.PROCESSING, TxStatus.FAILED),
}


@pytest.mark.parametrize("old", list(TxStatus))
@pytest.mark.parametrize("new", list(TxStatus))
def test_the_transition_table_is_exactly_the_designs(old, new):
    assert can_move(old, new) == ((old, new) in ALLOWED)
    t = tx(status=old)
    if (old, new) in ALLOWED:
        assert t.moved_to(new, T0).status is new
    else:
        with pytest.raises(IllegalTransition):
            t.moved_to(new, T0)


@pytest.mark.parametrize("status", [TxStatus.EXPIRED, TxStatus.CANCELLED])
def test_an_expired_or_cancelled_recharge_paid_late_completes_and_is_flagged(status):
    late = tx(status=status).paid_late(T0)
    assert late.status is TxStatus.COMPLETED
    assert late.flag == "paid after local expiry"


@pytest.mark.parametrize("status", [TxStatus.FAILED, TxStatus.COMPLETED, TxStatus.PENDING])
def test_only_expired_or_cancelled_recharges_can_be_paid_late(status):
    with pytest.raises(IllegalTransition):
        tx(status=status).paid_late(T0)
    with pytest.raises(IllegalTransition):
        tx(TxType.PURCHASE, TxStatus.EXPIRED, stars=50, recipient="alice").paid_late(T0)


@pytest.mark.parametrize("type_", [TxType.RECHARGE, TxType.PURCHASE, TxType.BONUS, TxType.REFUND])
@pytest.mark.parametrize("amount", ["0", "-1"])
def test_non_adjustments_need_a_positive_amount(type_, amount):
    with pytest.raises(InvalidAmount):
        tx(type_, amount=amount, stars=50, recipient="alice")


def test_adjustments_are_signed_but_never_zero():
    assert tx(TxType.ADJUSTMENT, TxStatus.COMPLETED, amount="-2").ledger_effect == Money.of("-2", USD)
    with pytest.raises(InvalidAmount):
        tx(TxType.ADJUSTMENT, amount="0")


def test_ledger_effect_credits_recharges_and_debits_purchases():
    assert tx(TxType.RECHARGE).ledger_effect == Money.of("5", USD)
    assert tx(TxType.PURCHASE, stars=50, recipient="alice").ledger_effect == Money.of("-5", USD)


def test_a_purchase_needs_stars_and_a_recipient():
    with pytest.raises(InvalidAmount):
        tx(TxType.PURCHASE)


def test_flags_accumulate_without_repeating():
    t = tx().flagged("a", T0).flagged("b", T0).flagged("a", T0)
    assert t.flag == "a; b"


def unresolved_purchase(status: TxStatus = TxStatus.PROCESSING, **kw) -> Transaction:
    fields = {"stars": 100, "recipient": "bob_the_user", "attempt_started_at": T0, "outcome_unknown": True}
    return tx(TxType.PURCHASE, status, **(fields | kw))


def test_an_operator_may_settle_only_an_unknown_outcome_older_than_the_lookup_delay():
    from datetime import timedelta

    delay = timedelta(minutes=3)
    assert unresolved_purchase().settle_refusal(now=T0 + delay, lookup_after=delay) is None
    assert "too recent" in unresolved_purchase().settle_refusal(now=T0 + delay / 2, lookup_after=delay)
    in_flight = unresolved_purchase(outcome_unknown=False)
    assert "still being delivered" in in_flight.settle_refusal(now=T0 + delay * 10, lookup_after=delay)
    ended = unresolved_purchase(status=TxStatus.FAILED)
    assert "already ended" in ended.settle_refusal(now=T0 + delay, lookup_after=delay)
    queued = unresolved_purchase(status=TxStatus.PENDING, attempt_started_at=None, outcome_unknown=False)
    assert "not being delivered" in queued.settle_refusal(now=T0 + delay, lookup_after=delay)


def test_a_contradiction_keeps_the_receipt_and_flags_but_never_moves_an_ended_purchase():
    from starshop.domain import DeliveryReceipt

    receipt = DeliveryReceipt(ref_id="Ref#1")
    failed = unresolved_purchase(status=TxStatus.FAILED).contradicted("delivered late", T0, receipt=receipt)
    assert (failed.status, failed.receipt, failed.flag) == (TxStatus.FAILED, receipt, "delivered late")
    done = unresolved_purchase(status=TxStatus.COMPLETED, receipt=receipt)
    second = done.contradicted("second order", T0, receipt=DeliveryReceipt(ref_id="Ref#2"))
    assert (second.receipt, second.flag) == (receipt, "second order")
    with pytest.raises(IllegalTransition):
        unresolved_purchase().contradicted("x", T0)
