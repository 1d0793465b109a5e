from decimal import Decimal

import pytest
from hypothesis import given

from starshop.domain import Currency, CurrencyMismatch, InvalidMoney, Money
from starshop.testing.strategies import money

USD = Currency.of("USD")
TON = Currency.of("TON")


def test_money_is_exact_decimal_at_the_currency_scale():
    assert Money.of("1.5", USD).amount == Decimal("1.50")
    assert str(Money.of("1.5", USD).amount) == "1.50"
    assert Money.of(3, USD) + Money.of("0.10", USD) == Money.of("3.10", USD)
    assert str(Money.of("0.000000001", TON)) == "0.000000001 TON"


@pytest.mark.parametrize("bad", [1.5, 0.1, float("nan"), True])
def test_money_refuses_floats_and_bools(bad):
    with pytest.raises(InvalidMoney):
        Money.of(bad, USD)


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "Infinity", "-inf", None, [1]])
def test_money_refuses_what_is_not_a_finite_number(bad):
    with pytest.raises(InvalidMoney):
        Money.of(bad, USD)


def test_money_refuses_more_decimals_than_its_currency_has():
    with pytest.raises(InvalidMoney, match="decimal places"):
        Money.of("1.005", USD)


def test_rounding_is_explicit_up_for_charges_and_down_for_credits():
    assert Money.rounded_up("1.001", USD) == Money.of("1.01", USD)
    assert Money.rounded_down("1.009", USD) == Money.of("1.00", USD)
    assert Money.rounded_up("-1.001", USD) == Money.of("-1.00", USD)


def test_arithmetic_and_comparison_across_currencies_raise():
    with pytest.raises(CurrencyMismatch):
        Money.of(1, USD) + Money.of(1, TON)
    with pytest.raises(CurrencyMismatch):
        Money.of(1, USD) - Money.of(1, TON)
    with pytest.raises(CurrencyMismatch):
        _ = Money.of(1, USD) < Money.of(1, TON)


def test_unknown_currency_is_refused():
    with pytest.raises(InvalidMoney):
        Currency.of("XYZ")


@given(money(), money())
def test_addition_then_subtraction_gives_back_the_same_amount(a, b):
    assert (a + b) - b == a
    assert (a + b).amount == a.amount + b.amount


@pytest.mark.parametrize("huge", ["1e999999", "9" * 5000])
def test_absurdly_large_amounts_are_refused_not_crashed_on(huge):
    with pytest.raises(InvalidMoney):
        Money.of(huge, USD)
    with pytest.raises(InvalidMoney):
        Money.rounded_up(huge, USD)


@pytest.mark.parametrize(("text", "amount"), [("12.50", "12.50"), ("-3", "-3.00"), ("+7.1", "7.10"), ("0", "0.00")])
def test_parse_takes_plain_decimal_notation(text, amount):
    assert Money.parse(text, USD).amount == Decimal(amount)


@pytest.mark.parametrize(
    "text", ["1e3", "1E2", "NaN", "Infinity", " 5", "5 ", "1_000", "\u0665", "0x10", "", ".5", "1."]
)
def test_parse_refuses_what_decimal_would_read_but_a_person_does_not_write(text):
    with pytest.raises(InvalidMoney):
        Money.parse(text, USD)


def test_parse_refuses_more_decimals_than_the_currency_has():
    with pytest.raises(InvalidMoney):
        Money.parse("1.001", USD)
