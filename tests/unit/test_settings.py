"""Settings: every value validated at start, one clear line per problem, secrets never printed."""

from decimal import Decimal

import hypothesis
import pytest
from hypothesis import given
from hypothesis import strategies as st

from starshop.entrypoints.settings import (
    SANDBOX_BOT_TOKEN,
    SETTINGS,
    SQLITE_DEFAULT,
    AuthSettings,
    BotSettings,
    DatabaseSettings,
    FragmentSettings,
    HeleketSettings,
    RateLimitSettings,
    RedisSettings,
    SandboxPaymentSettings,
    Secret,
    ServerSettings,
    Settings,
    SettingsError,
    WebhookSettings,
    WorkerSettings,
    load_settings,
)


def load(**env: str):
    return load_settings({f"STARSHOP_{k}": v for k, v in env.items()}, dotenv=None)


def problems(**env: str) -> list[str]:
    with pytest.raises(SettingsError) as err:
        load(**env)
    return err.value.problems


def test_no_configuration_at_all_is_the_embedded_sandbox_default():
    s = load()
    assert (s.env, s.host, s.port) == ("development", "127.0.0.1", 8000)
    assert s.sandbox_payments
    assert s.sandbox_delivery
    assert s.database_url is None
    assert s.redis_url is None
    assert "SANDBOX" in " ".join(s.describe())


def test_each_service_switches_to_the_real_thing_when_its_settings_are_present():
    s = load(
        DATABASE_URL="postgresql+asyncpg://u:pw@db/shop",
        REDIS_URL="redis://cache:6379/0",
        HELEKET_MERCHANT="m",
        HELEKET_PAYMENT_KEY="k",
        FRAGMENT_SEED="words " * 24,
    )
    assert not s.sandbox_payments
    assert not s.sandbox_delivery
    described = "\n".join(s.describe())
    assert "postgresql+asyncpg://u:***@db/shop" in described
    assert "pw" not in described
    assert "redis://cache:6379/0" in described


def test_every_malformed_value_gets_its_own_line():
    lines = problems(PORT="eighty", PRICE_PER_STAR="0.1.1", MARKUP="-1", CURRENCY="XYZ", BOT_MODE="push")
    assert len(lines) == 5
    assert lines[0] == "STARSHOP_PORT: must be a whole number, got 'eighty'"
    assert all(line.startswith("STARSHOP_") for line in lines)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HELEKET_MERCHANT": "m"}, "must be set together"),
        ({"FRAGMENT_COOKIES": "stel_ssid=1"}, "needs STARSHOP_FRAGMENT_SEED"),
        ({"BOT_MODE": "webhook"}, "STARSHOP_BOT_TOKEN is required when STARSHOP_BOT_MODE=webhook"),
        ({"MIN_RECHARGE": "10", "MAX_RECHARGE": "5"}, "must not exceed"),
        ({"DATABASE_URL": "mysql://x"}, "must be a URL starting with"),
        ({"PORT": "70000"}, "between 1 and 65535"),
        ({"RATE_LIMITS": "message=lots"}, "rate limits look like"),
    ],
)
def test_inconsistent_settings_are_refused(env, expected):
    assert any(expected in line for line in problems(**env))


def test_production_refuses_every_sandbox_and_embedded_stand_in():
    lines = problems(ENV="production")
    joined = "\n".join(lines)
    for name in ("DATABASE_URL", "REDIS_URL", "HELEKET_MERCHANT", "FRAGMENT_SEED", "PUBLIC_URL"):
        assert f"STARSHOP_{name} is required in production" in joined


def test_secrets_are_redacted_in_reprs():
    s = load(BOT_TOKEN="123:very-secret", HELEKET_MERCHANT="m", HELEKET_PAYMENT_KEY="pay-secret", API_KEYS="k1,k2")
    text = repr(s) + str(s.bot_token)
    assert "very-secret" not in text
    assert "pay-secret" not in text
    assert "k1" not in text
    assert s.bot_token == Secret("123:very-secret")
    assert s.bot_token.reveal() == "123:very-secret"


def test_business_settings_become_the_policy_and_config():
    s = load(
        PRICE_PER_STAR="0.02",
        MARKUP="0.05",
        MAX_STARS="5000",
        UNDERPAYMENT_POLICY="pro_rata",
        RATE_LIMITS="purchase=3/60",
    )
    assert s.policy().price(100).amount == Decimal("2.10")
    assert s.shop_config().underpayment.value == "pro_rata"
    assert s.rate_limits == {"purchase": (3, 60.0)}


def test_a_dotenv_file_is_read_and_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text('# comment\nexport STARSHOP_PORT=9000\nSTARSHOP_HOST="0.0.0.0"\n', encoding="utf-8")
    s = load_settings({"STARSHOP_PORT": "9100"}, dotenv=dotenv)
    assert (s.host, s.port) == ("0.0.0.0", 9100)


REAL_PAYMENTS = {"HELEKET_MERCHANT": "m", "HELEKET_PAYMENT_KEY": "k"}
REAL_DELIVERY = {"FRAGMENT_SEED": "words " * 24}
PRODUCTION = {
    "ENV": "production",
    "DATABASE_URL": "postgresql+asyncpg://u@db/shop",
    "REDIS_URL": "redis://cache:6379/0",
    "PUBLIC_URL": "https://shop.example",
    **REAL_PAYMENTS,
    **REAL_DELIVERY,
}


def test_sandbox_payments_never_fund_a_real_delivery():
    lines = problems(**REAL_DELIVERY)
    assert len(lines) == 1
    assert lines[0].startswith("STARSHOP_FRAGMENT_SEED is set without STARSHOP_HELEKET_MERCHANT")
    assert "sandbox payments must never fund real deliveries" in lines[0]


@pytest.mark.parametrize("name", ["DATABASE_URL", "DATABASE_REPLICA_URL"])
def test_production_refuses_a_sqlite_database(name):
    lines = problems(**(PRODUCTION | {name: "sqlite+aiosqlite:///./shop.db"}))
    assert lines == [f"STARSHOP_{name} must be Postgres in production, not SQLite"]


@pytest.mark.parametrize(
    ("env", "token"),
    [
        ({}, "0:sandbox"),
        ({"BOT_TOKEN": "1:real"}, "1:real"),
        (REAL_PAYMENTS, None),
        (REAL_PAYMENTS | REAL_DELIVERY, None),
        (PRODUCTION, None),
        (PRODUCTION | {"BOT_TOKEN": "1:real"}, "1:real"),
    ],
    ids=["whole-sandbox", "sandbox-with-bot", "real-payments", "real-both", "production", "production-with-bot"],
)
def test_the_public_sandbox_token_signs_mini_app_users_only_in_a_whole_sandbox(env, token):
    assert load(**env).mini_app_token() == token


def test_the_banner_says_exactly_what_is_simulated():
    assert "payments and deliveries are simulated" in (load().simulated() or "")
    partial = load(**REAL_PAYMENTS).simulated() or ""
    assert partial.startswith("SANDBOX DELIVERY: payments are REAL")
    assert load(**PRODUCTION).simulated() is None
    assert "mini app sign-in: off (no STARSHOP_BOT_TOKEN)" in load(**PRODUCTION).describe()
    assert "mini app sign-in: SANDBOX token (anyone can sign)" in load().describe()


def test_the_operator_ceiling_defaults_to_1000_in_the_shop_currency_and_can_be_set():
    assert load().shop_config().operator_ceiling.amount == Decimal("1000.00")
    assert str(load(OPERATOR_MAX_AMOUNT="250.50").shop_config().operator_ceiling) == "250.50 USD"
    assert str(load(CURRENCY="TON", OPERATOR_MAX_AMOUNT="0.000000001").shop_config().operator_ceiling) == (
        "0.000000001 TON"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", "must be a positive number"),
        ("-5", "must be a positive number"),
        ("lots", "not a decimal number"),
        ("NaN", "must be a positive number"),
        ("0.001", "more than 2 decimal places"),
    ],
)
def test_a_malformed_operator_ceiling_is_refused_at_start(value, expected):
    lines = problems(OPERATOR_MAX_AMOUNT=value)
    assert len(lines) == 1
    assert lines[0].startswith("STARSHOP_")
    assert "OPERATOR_MAX_AMOUNT" in lines[0]
    assert expected in lines[0]


def test_without_outside_services_the_sections_choose_every_embedded_stand_in():
    sections = load().sections()
    assert sections.database == DatabaseSettings(url=SQLITE_DEFAULT)
    assert sections.redis is None
    assert sections.payments == SandboxPaymentSettings(base_url="http://127.0.0.1:8000")
    assert sections.delivery is None
    assert sections.bot is None
    assert sections.auth.mini_app_token == Secret(SANDBOX_BOT_TOKEN)
    assert sections.server.sandbox


def test_each_section_carries_its_own_settings_from_the_environment():
    s = load(
        PUBLIC_URL="https://shop.example",
        DATABASE_URL="postgresql+asyncpg://u:pw@db/shop",
        DATABASE_REPLICA_URL="postgresql+asyncpg://u:pw@replica/shop",
        DATABASE_POOL_SIZE="7",
        DATABASE_STATEMENT_TIMEOUT="5000",
        REDIS_URL="redis://cache:6379/0",
        REDIS_PREFIX="shop1:",
        REDIS_DOWN_REFUSES="purchase",
        RATE_LIMITS="message=5/10",
        HELEKET_MERCHANT="m",
        HELEKET_PAYMENT_KEY="k",
        HELEKET_ALLOWED_IPS="31.133.220.8",
        TRUSTED_PROXIES="10.0.0.2",
        INVOICE_LIFETIME="900",
        FRAGMENT_SEED="seed",
        FRAGMENT_COOKIES="cookies",
        FRAGMENT_TIMEOUT="30",
        BOT_TOKEN="1:abc",
        BOT_MODE="webhook",
        BOT_WEBHOOK_SECRET="hook",
        ADMIN_IDS="7,8",
        API_KEYS="key1",
        INIT_DATA_MAX_AGE="600",
        RELAY_INTERVAL="2",
        SWEEP_INTERVAL="40",
    )
    sections = s.sections()
    redis = RedisSettings(url="redis://cache:6379/0", prefix="shop1:")
    assert sections.database == DatabaseSettings(
        url="postgresql+asyncpg://u:pw@db/shop",
        replica_url="postgresql+asyncpg://u:pw@replica/shop",
        pool_size=7,
        statement_timeout_ms=5000,
    )
    assert sections.redis == redis
    assert sections.rate_limits == RateLimitSettings(
        limits={"message": (5, 10.0)}, refuse_when_down=frozenset({"purchase"})
    )
    assert sections.payments == HeleketSettings(
        merchant="m",
        payment_key=Secret("k"),
        url="https://api.heleket.com",
        callback_url="https://shop.example/webhooks/heleket",
        lifetime=900,
    )
    assert sections.delivery == FragmentSettings(
        seed=Secret("seed"), cookies=Secret("cookies"), url="https://api.fragment-api.net", timeout=30.0
    )
    assert sections.bot == BotSettings(
        token=Secret("1:abc"),
        mode="webhook",
        webhook_secret=Secret("hook"),
        admin_ids=frozenset({7, 8}),
        base_url="https://shop.example",
        storage_redis=redis,
    )
    assert sections.auth == AuthSettings(
        mini_app_token=Secret("1:abc"),
        init_data_max_age=600,
        api_keys=frozenset({Secret("key1")}),
        admin_ids=frozenset({7, 8}),  # operators of the API too, signed in by initData (the console)
    )
    assert sections.webhook == WebhookSettings(
        allowed_sources=frozenset({"31.133.220.8"}), trusted_proxies=frozenset({"10.0.0.2"})
    )
    assert sections.worker == WorkerSettings(relay_every=2.0, sweep_every=40.0)
    assert sections.server == ServerSettings(base_url="https://shop.example", sandbox=False)
    assert (sections.policy, sections.config) == (s.policy(), s.shop_config())


def test_outside_a_whole_sandbox_without_a_bot_the_mini_app_section_has_no_token():
    sections = load(HELEKET_MERCHANT="m", HELEKET_PAYMENT_KEY="k").sections()
    assert sections.auth.mini_app_token is None
    assert not sections.server.sandbox


def test_the_keyword_defaults_are_the_loaded_defaults():
    assert Settings() == load()


def test_every_declared_default_is_written_as_an_operator_would_write_it():
    defaults = Settings()
    for setting in SETTINGS:
        assert setting.name.startswith("STARSHOP_")
        if setting.default is not None:
            assert setting.parser(setting.default) == getattr(defaults, setting.attribute), setting.name
        else:
            assert getattr(defaults, setting.attribute) is None, setting.name


@pytest.mark.parametrize("level", ["debug", "Debug", "DEBUG", "warning", "error", "info"])
def test_the_log_level_is_read_in_any_case(level):
    assert load(LOG_LEVEL=level).log_level == level.upper()


def test_other_names_stay_exact():
    assert problems(ENV="Production") == ["STARSHOP_ENV: must be one of development, production, got 'Production'"]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PORT", "\uff18\uff10\uff10\uff10", "must be a whole number, got '\uff18\uff10\uff10\uff10'"),
        ("PORT", "8_000", "must be a whole number"),
        ("PORT", "0x1f", "must be a whole number"),
        ("PORT", "9" * 5000, "must be between 1 and 65535"),
        ("ADMIN_IDS", "1,٢", "comma-separated list of Telegram user ids"),
        ("PRICE_PER_STAR", "1e-2", "plain digits"),
        ("MARKUP", "0_1", "plain digits"),
        ("MAX_RECHARGE", "Infinity", "must be a positive number"),
        ("MAX_RECHARGE", "1" * 60, "at most 40 characters"),
        ("FRAGMENT_TIMEOUT", "1" * 50, "at most 40 characters"),
        ("SWEEP_INTERVAL", "99999999999", "at most 31536000 seconds"),
        ("DELIVERY_UNKNOWN_DEADLINE", "1e400", "plain digits"),
        ("RATE_LIMITS", "message=5/inf", "the window a number of seconds > 0"),
        ("RATE_LIMITS", "=5/60", "rate limits look like"),
        ("UNDERPAYMENT_POLICY", "all", "must be one of pro_rata, none, got 'all'"),
    ],
)
def test_a_forged_value_gets_one_short_line_naming_the_setting(name, value, expected):
    lines = problems(**{name: value})
    assert len(lines) == 1
    assert lines[0].startswith(f"STARSHOP_{name}: ")
    assert expected in lines[0]
    assert len(lines[0]) < 200


@pytest.mark.parametrize("name", ["DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "HELEKET_URL"])
def test_a_malformed_url_is_refused_without_quoting_it(name):
    lines = problems(**{name: "mysql://shop:hunter2@db/shop"})
    assert lines[0].startswith(f"STARSHOP_{name}: must be a URL starting with")
    assert "hunter2" not in "\n".join(lines)


def test_secrets_never_appear_in_errors_or_reprs():
    env = {
        "ENV": "production",
        "DATABASE_URL": "postgresql+asyncpg://shop:db-password@db/shop",
        "REDIS_URL": "redis://:redis-password@cache:6379/0",
        "BOT_TOKEN": "1:bot-secret",
        "HELEKET_PAYMENT_KEY": "heleket-secret",
        "FRAGMENT_SEED": "seed-secret",
        "API_KEYS": "operator-secret",
    }
    secret_values = ["db-password", "redis-password", "bot-secret", "heleket-secret", "seed-secret", "operator-secret"]
    with pytest.raises(SettingsError) as err:
        load(**env)
    assert not [s for s in secret_values if s in str(err.value)]
    settings = load(**(env | {"ENV": "development", "HELEKET_MERCHANT": "m"}))
    shown = repr(settings) + repr(settings.sections()) + "\n".join(settings.describe())
    assert not [s for s in secret_values if s in shown]
    assert "postgresql+asyncpg://shop:***@db/shop" in shown


def _outcome(name: str, value: str) -> Settings | SettingsError:
    base = {"STARSHOP_HELEKET_MERCHANT": "m", "STARSHOP_HELEKET_PAYMENT_KEY": "k"}  # the Fragment settings stand alone
    try:
        return load_settings(base | {name: value}, dotenv=None)
    except SettingsError as exc:
        return exc


FORGERIES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["1e3", "NaN", "-0", "+5", ".", "1.", " ", "\x00", "9" * 400, "0.0000000001", "message=1/0"]),
)


@given(setting=st.sampled_from(SETTINGS), value=FORGERIES)
@hypothesis.settings(max_examples=400, deadline=None)
def test_any_value_of_any_setting_is_taken_or_refused_in_one_line_naming_it(setting, value):
    outcome = _outcome(setting.name, value)
    if isinstance(outcome, Settings):
        outcome.sections()
        outcome.describe()
        return
    assert outcome.problems
    for line in outcome.problems:
        assert line.startswith("STARSHOP_")
        assert "\n" not in line
        assert len(line) < 400
    if setting.parser.sensitive and len(value.strip()) >= 4:  # unless the value is a word of the message itself
        assert value.strip() not in str(outcome) or value.strip() in str(_outcome(setting.name, "§§§§"))


def test_a_setting_may_come_from_a_file_named_by_its_file_variant(tmp_path):
    """Compose and Kubernetes mount secrets as files: ``STARSHOP_<NAME>_FILE`` names one; a trailing newline is
    dropped, and the value stays a ``Secret``."""
    (tmp_path / "bot_token").write_text("123:from-a-file\n")
    (tmp_path / "port").write_text("9100")
    settings = load_settings(
        {"STARSHOP_BOT_TOKEN_FILE": str(tmp_path / "bot_token"), "STARSHOP_WORKER_PORT_FILE": str(tmp_path / "port")},
        dotenv=None,
    )
    assert settings.bot_token == Secret("123:from-a-file")
    assert settings.worker_port == 9100


def test_a_missing_file_or_a_value_given_twice_is_one_line_each(tmp_path):
    (tmp_path / "seed").write_text("words")
    env = {
        "STARSHOP_BOT_TOKEN_FILE": str(tmp_path / "absent"),
        "STARSHOP_FRAGMENT_SEED": "words",
        "STARSHOP_FRAGMENT_SEED_FILE": str(tmp_path / "seed"),
    }
    with pytest.raises(SettingsError) as refused:
        load_settings(env, dotenv=None)
    assert (
        f"STARSHOP_BOT_TOKEN_FILE: cannot read {tmp_path / 'absent'}: No such file or directory"
        in refused.value.problems
    )
    assert "STARSHOP_FRAGMENT_SEED and STARSHOP_FRAGMENT_SEED_FILE are both set: keep one" in refused.value.problems
