"""STARSHOP_REFERRAL_PERCENT: off by default; a percent from 0 to below 100, at most two decimals."""

from decimal import Decimal

import pytest

from starshop.entrypoints.settings import SettingsError, load_settings


def load(**env: str):
    return load_settings({f"STARSHOP_{k}": v for k, v in env.items()}, dotenv=None)


def test_referral_rewards_are_off_by_default():
    assert load().sections().config.referral_percent == Decimal(0)


@pytest.mark.parametrize("value", ["5", "12.5", "0", "99.99"])
def test_a_percent_below_100_reaches_the_shop_config(value):
    assert load(REFERRAL_PERCENT=value).sections().config.referral_percent == Decimal(value)


@pytest.mark.parametrize("value", ["100", "150", "-1", "ten", "1e1", "5.125", "NaN"])
def test_a_silly_percent_is_refused_by_name(value):
    with pytest.raises(SettingsError, match="STARSHOP_REFERRAL_PERCENT"):
        load(REFERRAL_PERCENT=value)
