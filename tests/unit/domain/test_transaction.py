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
