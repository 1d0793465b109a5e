# ruff: noqa: RUF001  (look-alike letters of other scripts are the point)
"""Promo code rules: what a code is, what a discount takes off, and every reason a use is refused."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from starshop.domain import (
    Currency,
    InvalidPromoCode,
    Money,
    PromoAlreadyUsed,
    PromoCode,
    PromoDisabled,
    PromoExpired,
    PromoKind,
    PromoNotApplicable,
    PromoUsedUp,
    normalise_code,
)

USD = Currency.of("USD")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def usd(value: str) -> Money:
    return Money.of(value, USD)


def discount(percent: str, cap: str = "1000", **terms: object) -> PromoCode:
    fields: dict[str, object] = {"code": "SALE", "kind": PromoKind.DISCOUNT, "created_at": T0, "created_by": 1}
    return PromoCode(percent=Decimal(percent), max_discount=usd(cap), **(fields | terms))  # type: ignore[arg-type]


def bonus(**terms: object) -> PromoCode:
    fields: dict[str, object] = {"code": "GIFT", "kind": PromoKind.BONUS, "created_at": T0, "created_by": 1}
    return PromoCode(amount=usd("2.00"), **(fields | terms))  # type: ignore[arg-type]


@pytest.mark.parametrize(("typed", "stored"), [("welcome", "WELCOME"), ("  Spring-2026_a ", "SPRING-2026_A")])
def test_a_code_is_matched_in_any_case_and_without_surrounding_spaces(typed: str, stored: str) -> None:
    assert normalise_code(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["ab", "a" * 33, "no space", "ТЕСТ", "ＧＩＦＴ", "GIFT\x00", "GIFT\u200b", "-LEAD", "x" * 10_000, "ǅAB", ""],
)
def test_anything_but_3_to_32_ascii_letters_digits_dashes_and_underscores_is_no_code(typed: str) -> None:
    with pytest.raises(InvalidPromoCode):
        normalise_code(typed)


@given(st.text(max_size=40))
def test_a_normalised_code_is_plain_ascii_upper_case_or_refused(typed: str) -> None:
    try:
        code = normalise_code(typed)
    except InvalidPromoCode:
        return
    assert code.isascii()
    assert code == code.upper()
    assert 3 <= len(code) <= 32


@given(
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100_000), places=2),
    percent=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2),
    cap=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2),
)
def test_a_discount_is_the_percent_rounded_down_at_most_the_cap_and_leaves_a_positive_price(price, percent, cap):
    code = discount(str(percent), str(cap))
    off = code.discount(usd(str(price)))
    assert off <= usd(str(cap))
    assert off.amount <= price * percent / 100
    assert (usd(str(price)) - off).is_positive


def test_the_kind_decides_what_a_code_does() -> None:
    with pytest.raises(PromoNotApplicable):
        discount("10").credit  # noqa: B018
    with pytest.raises(PromoNotApplicable):
        bonus().discount(usd("1.00"))


@pytest.mark.parametrize("percent", ["0", "100", "150", "-5", "12.345"])
def test_a_discount_is_more_than_0_and_less_than_100_percent_with_two_decimals(percent: str) -> None:
    with pytest.raises(InvalidPromoCode):
        discount(percent)


def test_each_reason_a_use_is_refused_in_its_order() -> None:
    now = T0 + timedelta(days=1)
    with pytest.raises(PromoDisabled):
        bonus(disabled_at=T0).used(now, used_by_user=False)
    with pytest.raises(PromoExpired):
        bonus(expires_at=now).used(now, used_by_user=False)
    with pytest.raises(PromoAlreadyUsed):
        bonus(max_uses=1, uses=1).used(now, used_by_user=True)
    with pytest.raises(PromoUsedUp):
        bonus(max_uses=1, uses=1, once_per_user=False).used(now, used_by_user=True)
    assert bonus(max_uses=2, uses=1).used(now, used_by_user=False).uses == 2
    assert bonus(once_per_user=False).used(now, used_by_user=True).uses == 1
