from decimal import Decimal

import pytest

from starshop.domain import (
    MIN_STARS,
    Defaults,
    InvalidSetting,
    InvalidStarAmount,
    Overrides,
    SalesSuspended,
    SettingKey,
    ShopSettings,
)
from starshop.testing import default_policy

DEFAULTS = Defaults(policy=default_policy(), wallet_floor=Decimal(100))


def settings(**given: str | None) -> ShopSettings:
    return ShopSettings.of(DEFAULTS, Overrides.parse(given))


def test_a_setting_not_overridden_takes_its_configured_default() -> None:
    current = settings()
    assert current.policy == DEFAULTS.policy
    assert current.wallet_floor == Decimal(100)
    assert current.maintenance is False
    assert current.overrides.overridden == []


def test_overrides_apply_over_the_defaults_and_say_which_are_set() -> None:
    current = settings(price_per_star="0.02", markup="0", min_stars="100", max_stars="5000", wallet_floor="0")
    assert current.policy.price(100).amount == Decimal("2.00")
    assert (current.policy.min_stars, current.policy.max_stars) == (100, 5000)
    assert current.wallet_floor == Decimal(0)
    assert set(current.overrides.overridden) == {
        SettingKey.PRICE_PER_STAR,
        SettingKey.MARKUP,
        SettingKey.MIN_STARS,
        SettingKey.MAX_STARS,
        SettingKey.WALLET_FLOOR,
    }


def test_least_stars_may_be_raised_but_never_below_fragments_minimum() -> None:
    assert settings(min_stars="200").policy.check_stars(200) == 200
    with pytest.raises(InvalidStarAmount):
        settings(min_stars="200").policy.check_stars(199)
    with pytest.raises(InvalidSetting, match="at least 50"):
        settings(min_stars=str(MIN_STARS - 1))


def test_least_stars_above_most_stars_is_refused() -> None:
    with pytest.raises(InvalidSetting, match="max stars"):
        settings(min_stars="600", max_stars="500")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("price_per_star", "0"),
        ("price_per_star", "-1"),
        ("price_per_star", "1e3"),
        ("price_per_star", "NaN"),
        ("price_per_star", "1_000"),
        ("price_per_star", "5000"),
        ("price_per_star", "٣"),
        ("markup", "-0.1"),
        ("markup", "11"),
        ("min_stars", "1.5"),
        ("max_stars", "2000000"),
        ("max_stars", "-5"),
        ("wallet_floor", "-1"),
        ("maintenance", "yes"),
        ("maintenance_message", "   "),
        ("maintenance_message", "x" * 501),
        ("maintenance_message", "bell\x07"),
        ("premium_prices", "1"),
    ],
)
def test_malformed_or_out_of_range_settings_are_refused(key: str, value: str) -> None:
    with pytest.raises(InvalidSetting):
        settings(**{key: value})


def test_maintenance_refuses_sales_with_the_operators_message_or_the_default_one() -> None:
    with pytest.raises(SalesSuspended, match="back at noon"):
        settings(maintenance="true", maintenance_message="back at noon").check_open()
    with pytest.raises(SalesSuspended, match="maintenance"):
        settings(maintenance="true").check_open()
    settings(maintenance="false", maintenance_message="kept for next time").check_open()


def test_stored_text_reads_back_to_the_same_overrides_and_unknown_keys_are_left_out() -> None:
    given = Overrides.parse({"price_per_star": "0.0200", "maintenance": "true", "maintenance_message": " hi "})
    stored = given.stored()
    assert stored == {"price_per_star": "0.02", "maintenance": "true", "maintenance_message": "hi"}
    assert Overrides.from_stored({**stored, "premium_prices": '{"3": "12"}'}) == given


def test_changes_name_each_key_that_moved_with_its_old_and_new_text() -> None:
    old = Overrides.parse({"price_per_star": "0.02", "markup": "0.1"})
    new = Overrides.parse({"price_per_star": "0.020", "markup": None, "maintenance": "true"}, old)
    moved = {(c.key.value, c.old, c.new) for c in old.changes_to(new)}
    assert moved == {("markup", "0.1", None), ("maintenance", None, "true")}
    assert old.changes_to(old) == []
