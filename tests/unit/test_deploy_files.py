"""The deployment files speak the settings' language: every STARSHOP_* name they use is one starshop reads."""

import re
from pathlib import Path

import yaml

from starshop.entrypoints.settings import PREFIX, SETTINGS, load_settings

ROOT = Path(__file__).resolve().parents[2]
KNOWN = {setting.name.removeprefix(PREFIX) for setting in SETTINGS}


def names_in(text: str) -> set[str]:
    return {name.removeprefix("STARSHOP_") for name in re.findall(r"STARSHOP_[A-Z_]+", text)}


def test_the_settings_reader_knows_a_sensible_number_of_names():
    assert {"DATABASE_URL", "REDIS_URL", "HELEKET_PAYMENT_KEY", "FRAGMENT_SEED", "BOT_TOKEN"} <= KNOWN


def test_compose_runs_every_role_and_uses_only_known_settings():
    text = (ROOT / "deploy/compose.yaml").read_text()
    compose = yaml.safe_load(text)
    assert {"postgres", "redis", "migrate", "web", "worker", "nginx"} <= set(compose["services"])
    assert compose["services"]["migrate"]["command"] == ["migrate"]
    assert names_in(text) <= KNOWN


def test_the_env_example_uses_only_known_settings_and_is_valid_once_filled():
    text = (ROOT / "deploy/.env.example").read_text()
    assert names_in(text) <= KNOWN
    values = dict(line.split("=", 1) for line in text.splitlines() if line.startswith("STARSHOP_"))
    filled = {k: v or "x" for k, v in values.items()}
    filled |= {"STARSHOP_ADMIN_IDS": "1", "STARSHOP_DATABASE_URL": "postgresql+asyncpg://u:p@db/s"}
    filled |= {"STARSHOP_REDIS_URL": "redis://redis:6379/0", "STARSHOP_ENV": "production"}
    settings = load_settings(filled, dotenv=None)
    assert settings.production


def test_every_setting_is_documented():
    documented = names_in((ROOT / "docs/configuration.md").read_text())
    assert documented == KNOWN
