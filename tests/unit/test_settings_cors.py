"""STARSHOP_CORS_ORIGINS: off by default; exact browser origins only, each checked, never ``*``."""

import pytest

from starshop.entrypoints.settings import SettingsError, load_settings


def load(**env: str):
    return load_settings({f"STARSHOP_{k}": v for k, v in env.items()}, dotenv=None)


def test_cors_is_off_unless_origins_are_listed():
    assert load().sections().server.cors_origins == ()


def test_origins_are_kept_as_a_browser_sends_them():
    settings = load(
        CORS_ORIGINS=" https://Shop.Example , http://localhost:5173,https://shop.example:443,http://[::1]:8080"
    )
    assert settings.sections().server.cors_origins == (
        "https://shop.example",
        "http://localhost:5173",
        "http://[::1]:8080",
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("*", "a wildcard is refused"),
        ("https://*.shop.example", "a wildcard is refused"),
        ("https://shop.example/", "no path"),
        ("https://shop.example/app", "no path"),
        ("https://shop.example?x=1", "no path, query"),
        ("shop.example", "scheme://host[:port]"),
        ("ftp://shop.example", "scheme://host[:port]"),
        ("https://shop.example:99999", "scheme://host[:port]"),
        ("https://shop_example", "scheme://host[:port]"),
        ("https://ok.example,https://bad.example/x", "no path"),
    ],
)
def test_a_malformed_origin_is_refused_in_one_line_naming_the_setting(value, reason):
    with pytest.raises(SettingsError) as err:
        load(CORS_ORIGINS=value)
    [line] = err.value.problems
    assert line.startswith("STARSHOP_CORS_ORIGINS: ")
    assert reason in line
    assert "\n" not in line


def test_an_origin_never_shows_a_password_it_carries():
    with pytest.raises(SettingsError) as err:
        load(CORS_ORIGINS="https://user:hunter2@shop.example")
    assert err.value.problems == [
        "STARSHOP_CORS_ORIGINS: an origin carries no user or password (the value is not shown)"
    ]


def test_production_allows_only_https_origins():
    with pytest.raises(SettingsError) as err:
        load(ENV="production", CORS_ORIGINS="https://shop.example,http://shop.example")
    assert (
        "STARSHOP_CORS_ORIGINS must list only https:// origins in production, not http://shop.example"
        in err.value.problems
    )
