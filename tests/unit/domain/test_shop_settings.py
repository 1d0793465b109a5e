from decimal import Decimal

import pytest

from starshop.domain import (
    MIN_STARS,
    Defaults,
    InvalidSetting,
    InvalidStarAmount,
    Overrides,
    PremiumNotSold,
    SalesSuspended,
    SettingKey,
    ShopSettings,
)
from starshop.testing import default_policy, default_premium

DEFAULTS = Defaults(policy=default_policy(), wallet_floor=Decimal(100), premium=default_premium("3:12.99,6:16.99"))


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
    assert Overrides.from_stored({**stored, "gift_wrap": '{"3": "12"}'}) == given


def test_changes_name_each_key_that_moved_with_its_old_and_new_text() -> None:
    old = Overrides.parse({"price_per_star": "0.02", "markup": "0.1"})
    new = Overrides.parse({"price_per_star": "0.020", "markup": None, "maintenance": "true"}, old)
    moved = {(c.key.value, c.old, c.new) for c in old.changes_to(new)}
    assert moved == {("markup", "0.1", None), ("maintenance", None, "true")}
    assert old.changes_to(old) == []


def test_premium_prices_take_the_configured_ones_unless_overridden() -> None:
    assert settings().premium == DEFAULTS.premium
    current = settings(premium_prices="12:29.99, 3:10.5")
    assert current.premium.offered == (3, 12)
    assert current.premium.price(3).amount == Decimal("10.50")
    assert current.premium.price(12).amount == Decimal("29.99")
    assert current.overrides.overridden == [SettingKey.PREMIUM_PRICES]


def test_empty_premium_prices_are_an_override_premium_not_sold() -> None:
    current = settings(premium_prices="")
    assert current.premium.sold is False
    assert current.overrides.stored() == {"premium_prices": ""}
    with pytest.raises(PremiumNotSold):
        current.premium.price(3)


def test_premium_prices_are_stored_in_canonical_text_and_read_back() -> None:
    given = Overrides.parse({"premium_prices": " 12:29.990, 3:12.99 ,6:16.99"})
    assert given.stored() == {"premium_prices": "3:12.99,6:16.99,12:29.99"}
    assert Overrides.from_stored(given.stored()) == given
    assert Overrides.from_stored({"premium_prices": ""}).premium_prices == {}


def test_a_premium_price_change_is_audited_as_canonical_text() -> None:
    old = Overrides.parse({"premium_prices": "3:12.99"})
    (change,) = old.changes_to(Overrides.parse({"premium_prices": "3:11,6:16.99"}, old))
    assert (change.key, change.old, change.new) == (SettingKey.PREMIUM_PRICES, "3:12.99", "3:11,6:16.99")
    assert Overrides.parse({"premium_prices": "3:12.990"}, old).changes_to(old) == []


@pytest.mark.parametrize(
    "value",
    ["4:12.99", "3:0", "3:12.999", "3:-1", "3:1e2", "garbage", "3:12.99,3:11", "3:12.99,", "24:100", "3:12,99"],
)
def test_malformed_or_out_of_range_premium_prices_are_refused(value: str) -> None:
    with pytest.raises(InvalidSetting):
        settings(premium_prices=value)
