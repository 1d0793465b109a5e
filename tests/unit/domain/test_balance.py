import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from starshop.domain import Balance, BalanceInvariantViolated, Currency, InsufficientFunds, InvalidAmount, Money
from starshop.testing.strategies import balances, money

USD = Currency.of("USD")


def usd(v: str) -> Money:
    return Money.of(v, USD)


def test_credit_hold_capture_release_move_amount_and_held():
    b = Balance.empty(1, USD).credit(usd("10"))
    held = b.hold(usd("4"))
    assert (held.amount, held.held, held.available) == (usd("10"), usd("4"), usd("6"))
    captured = held.capture(usd("4"))
    assert (captured.amount, captured.held) == (usd("6"), usd("0"))
    released = held.release(usd("4"))
    assert (released.amount, released.held) == (usd("10"), usd("0"))


def test_hold_more_than_available_is_insufficient_funds_with_the_missing_amount():
    b = Balance.empty(1, USD).credit(usd("10")).hold(usd("7"))
    with pytest.raises(InsufficientFunds) as err:
        b.hold(usd("5"))
    assert err.value.missing == usd("2")


def test_debit_never_touches_held_money():
    b = Balance.empty(1, USD).credit(usd("10")).hold(usd("7"))
    with pytest.raises(InsufficientFunds):
        b.debit(usd("4"))
    assert b.debit(usd("3")).available == usd("0")


@pytest.mark.parametrize("op", ["credit", "debit", "hold", "capture", "release"])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_every_operation_refuses_zero_and_negative_amounts(op, value):
    b = Balance.empty(1, USD).credit(usd("10")).hold(usd("5"))
    with pytest.raises(InvalidAmount):
        getattr(b, op)(usd(value))


def test_capture_or_release_more_than_held_breaks_no_rule_silently():
    b = Balance.empty(1, USD).credit(usd("10")).hold(usd("2"))
    with pytest.raises(BalanceInvariantViolated):
        b.capture(usd("3"))
    with pytest.raises(BalanceInvariantViolated):
        b.release(usd("3"))


def test_a_balance_breaking_the_invariants_cannot_be_built():
    with pytest.raises(BalanceInvariantViolated):
        Balance(1, usd("-1"), usd("0"))
    with pytest.raises(BalanceInvariantViolated):
        Balance(1, usd("1"), usd("2"))
    with pytest.raises(BalanceInvariantViolated):
        Balance(1, usd("1"), Money.of("0", Currency.of("TON")))


@given(balances(), st.lists(st.tuples(st.sampled_from(["credit", "debit", "hold", "capture", "release"]), money())))
def test_any_sequence_of_operations_keeps_zero_le_held_le_amount(balance, ops):
    for op, amount in ops:
        with contextlib.suppress(InsufficientFunds, BalanceInvariantViolated):
            balance = getattr(balance, op)(amount)
        assert usd("0") <= balance.held <= balance.amount
