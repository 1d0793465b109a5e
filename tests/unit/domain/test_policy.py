from decimal import Decimal

import pytest
from hypothesis import given

from starshop.domain import (
    Currency,
    DailyLimitExceeded,
    DailyUsage,
    InvalidAmount,
    InvalidRecipient,
    InvalidStarAmount,
    Money,
    PurchasePolicy,
    normalise_recipient,
)
from starshop.testing.strategies import bad_usernames, policies, recipients, star_counts

USD = Currency.of("USD")


def policy(**kw) -> PurchasePolicy:
    return PurchasePolicy(currency=USD, price_per_star=Decimal("0.015"), markup=Decimal("0.1"), max_stars=1000, **kw)


@pytest.mark.parametrize("raw", ["alice_1", "@alice_1", "https://t.me/alice_1", "t.me/alice_1", " @alice_1 "])
def test_recipient_forms_normalise_to_the_bare_username(raw):
    assert normalise_recipient(raw) == "alice_1"


@pytest.mark.parametrize("raw", ["", "@", "abcd", "a" * 33, "al ice", "alice-1", "@@alice", "https://t.me/", "ali.ce"])
def test_bad_recipients_are_refused(raw):
    with pytest.raises(InvalidRecipient):
        normalise_recipient(raw)


@given(recipients)
def test_every_accepted_form_normalises_to_a_valid_username(raw):
    name = normalise_recipient(raw)
    assert 5 <= len(name) <= 32
    assert name in raw


@given(bad_usernames)
def test_generated_bad_usernames_are_refused(raw):
    with pytest.raises(InvalidRecipient):
        normalise_recipient(raw)


@pytest.mark.parametrize("stars", [49, 0, -50, 1001])
def test_star_counts_outside_the_bounds_are_refused(stars):
    with pytest.raises(InvalidStarAmount):
        policy().check_stars(stars)


@pytest.mark.parametrize("stars", [50.0, "100", True, None])
def test_star_counts_must_be_whole_numbers(stars):
    with pytest.raises(InvalidStarAmount):
        policy().check_stars(stars)


def test_price_is_stars_times_price_times_markup_rounded_up():
    # 51 * 0.015 * 1.1 = 0.8415 -> 0.85
    assert policy().price(51) == Money.of("0.85", USD)
    assert policy().price(100) == Money.of("1.65", USD)


@given(policies(), star_counts(100_000))
def test_the_charged_price_never_undercuts_the_exact_price(p, stars):
    if stars > p.max_stars:
        with pytest.raises(InvalidStarAmount):
            p.price(stars)
        return
    exact = Decimal(stars) * p.price_per_star * (1 + p.markup)
    price = p.price(stars).amount
    assert exact <= price < exact + Decimal("0.01")


@pytest.mark.parametrize("bad", [{"price_per_star": 0.015}, {"price_per_star": "0"}, {"price_per_star": "x"}])
def test_policy_refuses_float_zero_or_junk_prices(bad):
    with pytest.raises(InvalidAmount):
        PurchasePolicy(currency=USD, **bad)


def test_negative_markup_is_refused():
    with pytest.raises(InvalidAmount):
        PurchasePolicy(currency=USD, price_per_star="0.01", markup="-0.1")


def test_daily_limits_count_purchases_and_stars():
    p = policy(daily_purchases=2, daily_stars=300)
    p.check_daily(DailyUsage(purchases=1, stars=200), 100)
    with pytest.raises(DailyLimitExceeded):
        p.check_daily(DailyUsage(purchases=2, stars=0), 50)
    with pytest.raises(DailyLimitExceeded, match="100 left"):
        p.check_daily(DailyUsage(purchases=0, stars=200), 150)
