"""Referral codes, who may be attributed to whom, and the reward a referred purchase earns."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from starshop.domain import (
    MAX_USER_ID,
    Attribution,
    Currency,
    IllegalTransition,
    InvalidAmount,
    Money,
    PayWith,
    Transaction,
    TxStatus,
    User,
    attribution,
    code_of_start,
    referral_code,
    referral_reward,
    referrer_id,
)

USD = Currency.of("USD")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def user(user_id: int, joined: int = 0) -> User:
    at = T0 + timedelta(minutes=joined)
    return User(user_id=user_id, created_at=at, updated_at=at)


@given(st.integers(min_value=1, max_value=MAX_USER_ID))
def test_every_user_has_a_code_that_names_them_back(user_id):
    code = referral_code(user_id)
    assert referrer_id(code) == user_id
    assert referrer_id(code.upper()) == user_id
    assert len(f"ref_{code}") <= 64  # fits a /start payload


@pytest.mark.parametrize("text", ["", "0", "00b", "not a code!", "ref_b", "zzzzzzzzzzzzz", "\uff42"])
def test_what_is_no_code_names_nobody(text):
    assert referrer_id(text) is None


def test_a_start_payload_gives_its_code_only_with_the_ref_prefix():
    assert code_of_start("ref_3f") == "3f"
    assert code_of_start("ref_") is None
    assert code_of_start("promo_3f") is None
    assert code_of_start(None) is None


@pytest.mark.parametrize(
    ("referrer", "referred", "purchased", "expected"),
    [
        (None, False, False, Attribution.UNKNOWN_CODE),
        (user(2), True, True, Attribution.OWN_CODE),
        (user(1), True, False, Attribution.ALREADY_REFERRED),
        (user(1), False, True, Attribution.ALREADY_PURCHASED),
        (user(1, joined=5), False, False, Attribution.REFERRER_JOINED_LATER),
        (user(3), False, False, Attribution.REFERRER_JOINED_LATER),  # same instant: the smaller id joined first
        (user(1), False, False, Attribution.ATTRIBUTED),
        (user(9, joined=-1), False, False, Attribution.ATTRIBUTED),
    ],
)
def test_a_user_is_attributed_once_to_somebody_else_who_joined_before_and_before_any_purchase(
    referrer, referred, purchased, expected
):
    assert attribution(user(2), referrer, referred=referred, purchased=purchased) is expected


def test_the_reward_is_the_percent_of_the_price_rounded_down():
    assert referral_reward(Money.of("0.83", USD), Decimal(10)) == Money.of("0.08", USD)
    assert referral_reward(Money.of("10.00", USD), Decimal("12.5")) == Money.of("1.25", USD)
    assert referral_reward(Money.of("0.05", USD), Decimal(10)).is_zero
    with pytest.raises(InvalidAmount):
        referral_reward(Money.of("1", USD), Decimal(100))


def purchase(status: TxStatus) -> Transaction:
    tx = Transaction.purchase(
        id="p1", user_id=2, stars=50, recipient="gift", price=Money.of("1", USD), pay_with=PayWith.BALANCE, at=T0
    )
    return tx.evolve(status=status)


def test_a_reward_credits_the_referrer_for_a_completed_purchase_and_names_it():
    reward = Transaction.referral(
        id="r1", referrer_id=1, amount=Money.of("0.10", USD), purchase=purchase(TxStatus.COMPLETED), at=T0
    )
    assert (reward.user_id, reward.status, reward.reward_for) == (1, TxStatus.COMPLETED, "p1")
    assert reward.ledger_effect == Money.of("0.10", USD)


@pytest.mark.parametrize("status", [TxStatus.PENDING, TxStatus.PROCESSING, TxStatus.FAILED])
def test_only_a_completed_purchase_earns_a_reward(status):
    with pytest.raises(IllegalTransition):
        Transaction.referral(id="r1", referrer_id=1, amount=Money.of("0.10", USD), purchase=purchase(status), at=T0)


def test_nobody_is_rewarded_for_their_own_purchase():
    with pytest.raises(IllegalTransition):
        Transaction.referral(
            id="r1", referrer_id=2, amount=Money.of("0.10", USD), purchase=purchase(TxStatus.COMPLETED), at=T0
        )
