"""The ``.env`` file: what an operator writes in one is read as they mean it, and a bad line is named, not shown."""

import re
from pathlib import Path

import pytest

from starshop.entrypoints.envfile import read_dotenv
from starshop.entrypoints.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def dotenv(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / ".env"
    path.write_bytes(text.encode(encoding))
    return path


def refused(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SettingsError) as err:
        read_dotenv(dotenv(tmp_path, text))
    return [line.removeprefix(f"{tmp_path / '.env'} ") for line in err.value.problems]


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("KEY=value", "value"),
        ("KEY = value ", "value"),
        ("KEY=value  # a comment", "value"),
        ("KEY=value\t# a comment", "value"),
        ("KEY=a#b", "a#b"),
        ("KEY=#not-a-comment", "#not-a-comment"),
        ("KEY= # only a comment", ""),
        ("KEY=", ""),
        ('KEY="a # b = c"', "a # b = c"),
        ('KEY="a # b"  # and a comment', "a # b"),
        ("KEY='single # quoted'", "single # quoted"),
        ("KEY='it\"s'", 'it"s'),
        ("KEY=it's", "it's"),
        ('KEY=""', ""),
        ("export KEY=value", "value"),
        ("export   KEY='value' # comment", "value"),
        ("exported_KEY=x", None),
    ],
)
def test_a_line_is_read_as_the_operator_means_it(tmp_path, line, value):
    values = read_dotenv(dotenv(tmp_path, line + "\n"))
    if value is None:
        assert values == {"exported_KEY": "x"}
    else:
        assert values == {"KEY": value}


def test_blank_lines_comment_lines_crlf_and_a_byte_order_mark_are_fine(tmp_path):
    text = "\ufeff# settings\r\n\r\n   \r\nA=1\r\n  # indented comment\r\nB=2 # two\r\n"
    assert read_dotenv(dotenv(tmp_path, text)) == {"A": "1", "B": "2"}


def test_a_later_line_wins_and_a_missing_file_is_nothing(tmp_path):
    assert read_dotenv(dotenv(tmp_path, "A=1\nA=2\n")) == {"A": "2"}
    assert read_dotenv(tmp_path / "absent.env") == {}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("STARSHOP_BOT_TOKEN 123:SECRETVALUE", "expected KEY=VALUE"),
        ("1KEY=SECRETVALUE", "expected KEY=VALUE"),
        ("MY KEY=SECRETVALUE", "expected KEY=VALUE"),
        ("=SECRETVALUE", "expected KEY=VALUE"),
        ("export", "expected KEY=VALUE"),
        ('STARSHOP_BOT_TOKEN="SECRETVALUE', 'STARSHOP_BOT_TOKEN: the " quote is not closed'),
        ("STARSHOP_BOT_TOKEN='SECRETVALUE", "STARSHOP_BOT_TOKEN: the ' quote is not closed"),
        ('STARSHOP_BOT_TOKEN="SECRET"VALUE', "STARSHOP_BOT_TOKEN: only a # comment may follow the closing quote"),
    ],
)
def test_a_malformed_line_is_refused_by_its_number_without_its_text(tmp_path, line, reason):
    lines = refused(tmp_path, f"# first\nOK=1\n{line}\n")
    assert len(lines) == 1
    assert lines[0].startswith(f"line 3: {reason}")
    assert "SECRET" not in lines[0]


def test_every_malformed_line_gets_its_own_line(tmp_path):
    assert [line.split(":")[0] for line in refused(tmp_path, "bad\nA=1\nalso bad\nB='open\n")] == [
        "line 1",
        "line 3",
        "line 4",
    ]


def test_a_file_that_is_not_utf8_is_refused_in_one_line(tmp_path):
    with pytest.raises(SettingsError) as err:
        read_dotenv(dotenv(tmp_path, "STARSHOP_HOST=caf\xe9\n", encoding="latin-1"))
    assert err.value.problems == [f"{tmp_path / '.env'}: not UTF-8 text"]


def test_load_settings_reports_a_malformed_dotenv_as_a_settings_problem(tmp_path):
    with pytest.raises(SettingsError) as err:
        load_settings({}, dotenv=dotenv(tmp_path, "STARSHOP_PORT=9000\nSTARSHOP_BOT_TOKEN 1:secret\n"))
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith(f"{tmp_path / '.env'} line 2: expected KEY=VALUE")
    assert "secret" not in str(err.value)


def test_settings_from_a_dotenv_with_comments_quotes_and_a_lowercase_log_level(tmp_path):
    text = """
# the shop
export STARSHOP_PORT=9000          # the port
STARSHOP_LOG_LEVEL=debug
STARSHOP_HOST="0.0.0.0" # everywhere
STARSHOP_BOT_TOKEN='1:abc#def'
STARSHOP_API_KEYS=key one,key#2    # two keys
"""
    s = load_settings({"STARSHOP_HOST": "127.0.0.2"}, dotenv=dotenv(tmp_path, text))
    assert (s.port, s.log_level, s.host) == (9000, "DEBUG", "127.0.0.2")
    assert s.bot_token is not None
    assert s.bot_token.reveal() == "1:abc#def"
    assert {key.reveal() for key in s.api_keys} == {"key one", "key#2"}


PRODUCTION = """
STARSHOP_ENV=production                     # every stand-in refused
STARSHOP_DATABASE_URL=postgresql+asyncpg://shop:pw@db/shop
STARSHOP_REDIS_URL=redis://cache:6379/0
STARSHOP_PUBLIC_URL=https://shop.example
STARSHOP_HELEKET_MERCHANT=m
STARSHOP_HELEKET_PAYMENT_KEY="k"
STARSHOP_FRAGMENT_SEED='words words words'
"""


def test_production_read_from_a_dotenv_still_refuses_sqlite(tmp_path):
    text = PRODUCTION + "STARSHOP_DATABASE_URL=sqlite+aiosqlite:///./shop.db  # a later line wins\n"
    with pytest.raises(SettingsError) as err:
        load_settings({}, dotenv=dotenv(tmp_path, text))
    assert err.value.problems == ["STARSHOP_DATABASE_URL must be Postgres in production, not SQLite"]


def test_production_read_from_a_dotenv_without_a_bot_token_trusts_no_mini_app_user(tmp_path):
    settings = load_settings({}, dotenv=dotenv(tmp_path, PRODUCTION))
    assert settings.production
    assert settings.mini_app_token() is None
    assert settings.sections().auth.mini_app_token is None


def test_a_dotenv_cannot_mix_sandbox_payments_with_a_real_delivery(tmp_path):
    with pytest.raises(SettingsError) as err:
        load_settings({}, dotenv=dotenv(tmp_path, "STARSHOP_FRAGMENT_SEED='words' # real stars\n"))
    assert len(err.value.problems) == 1
    assert "sandbox payments must never fund real deliveries" in err.value.problems[0]


def test_the_example_in_the_configuration_docs_reads_as_it_says(tmp_path):
    page = (ROOT / "docs/configuration.md").read_text(encoding="utf-8")
    example = re.search(r"## The `.env` file.*?```sh\n(.*?)```", page, re.S)
    assert example is not None
    assert read_dotenv(dotenv(tmp_path, example.group(1))) == {
        "STARSHOP_PORT": "9000",
        "STARSHOP_LOG_LEVEL": "debug",
        "STARSHOP_BOT_WEBHOOK_SECRET": "s3cret #1 = ok",
        "STARSHOP_HELEKET_MERCHANT": "merchant#7",
    }
