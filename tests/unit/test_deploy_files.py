"""The deployment files speak the settings' language: every STARSHOP_* name they use is one starshop reads."""

import re
from pathlib import Path

import pytest
import yaml

from starshop.entrypoints.settings import PREFIX, SETTINGS, load_settings

ROOT = Path(__file__).resolve().parents[2]
KNOWN = {setting.name.removeprefix(PREFIX) for setting in SETTINGS}


def names_in(text: str) -> set[str]:
    """The settings named (``STARSHOP_X_FILE`` names ``X``, read from a file)."""
    return {name.removeprefix("STARSHOP_").removesuffix("_FILE") for name in re.findall(r"STARSHOP_[A-Z_]+", text)}


def test_the_settings_reader_knows_a_sensible_number_of_names():
    assert {"DATABASE_URL", "REDIS_URL", "HELEKET_PAYMENT_KEY", "FRAGMENT_SEED", "BOT_TOKEN"} <= KNOWN


def test_compose_runs_every_role_and_uses_only_known_settings():
    text = (ROOT / "deploy/compose.yaml").read_text()
    compose = yaml.safe_load(text)
    assert {"postgres", "redis", "migrate", "web", "worker", "nginx"} <= set(compose["services"])
    assert compose["services"]["migrate"]["command"] == ["migrate"]
    assert names_in(text) <= KNOWN


def test_the_env_example_and_the_secret_files_make_a_valid_production_configuration_once_filled(tmp_path):
    text = (ROOT / "deploy/.env.example").read_text()
    assert names_in(text) <= KNOWN
    values = dict(line.split("=", 1) for line in text.splitlines() if line.startswith("STARSHOP_"))
    filled = {k: v or "x" for k, v in values.items()} | {"STARSHOP_ADMIN_IDS": "1"}
    compose = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    environment = compose["services"]["web"]["environment"]
    secrets = {"database_url": "postgresql+asyncpg://starshop:pw@postgres/starshop", "bot_webhook_secret": "s3cret"}
    for name, value in environment.items():  # each secret file, as compose mounts it
        if name.endswith("_FILE"):
            secret = Path(value).name
            (tmp_path / secret).write_text(secrets.get(secret, "x") + "\n")
            filled[name] = str(tmp_path / secret)
        else:
            filled[name] = value
    settings = load_settings(filled, dotenv=None)
    assert settings.production
    assert settings.database_url == secrets["database_url"]


def test_every_setting_is_documented():
    documented = names_in((ROOT / "docs/configuration.md").read_text())
    assert documented == KNOWN


COMPOSE = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
SERVICES = COMPOSE["services"]
LONG_RUNNING = ["postgres", "redis", "web", "worker", "nginx", "prometheus", "grafana"]


@pytest.mark.parametrize("role", LONG_RUNNING)
def test_every_long_running_role_has_a_health_check_a_restart_policy_and_limits(role):
    service = SERVICES[role]
    assert service["healthcheck"]["test"], role
    assert service["restart"] == "unless-stopped"
    limits = service["deploy"]["resources"]["limits"]
    assert limits["memory"]
    assert limits["cpus"]


def test_the_worker_is_probed_on_its_own_port_and_the_web_on_readiness():
    worker = SERVICES["worker"]
    assert worker["environment"]["STARSHOP_WORKER_PORT"] == "8001"
    assert "http://127.0.0.1:8001/health/live" in " ".join(worker["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/health/ready" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert worker["stop_grace_period"]
    assert SERVICES["migrate"]["restart"] == "no"


def test_redis_keeps_an_append_only_file_on_a_volume():
    redis = SERVICES["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])


def test_nginx_waits_for_healthy_web_replicas_and_re_resolves_them():
    assert SERVICES["nginx"]["depends_on"]["web"] == {"condition": "service_healthy"}
    conf = (ROOT / "deploy/nginx.conf").read_text()
    assert re.search(r"resolver 127\.0\.0\.11 valid=\d+s", conf)
    assert re.search(r"server web:8000 resolve", conf)
    assert "zone starshop_web" in conf


def test_secrets_come_from_files_not_the_environment():
    declared = set(COMPOSE["secrets"])
    for role in ("migrate", "web", "worker"):
        service = SERVICES[role]
        assert set(service["secrets"]) <= declared
        for name, value in service["environment"].items():
            assert not re.search(r"KEY$|SEED$|TOKEN$|SECRET$|PASSWORD$", name), name
            if name.endswith("_FILE"):
                assert value.startswith("/run/secrets/")
                assert Path(value).name in service["secrets"]
    assert "POSTGRES_PASSWORD_FILE" in SERVICES["postgres"]["environment"]
    env_example = (ROOT / "deploy/.env.example").read_text()
    assert not re.search(r"^(STARSHOP_)?\w*(PASSWORD|SEED|TOKEN|PAYMENT_KEY|API_KEYS)\w*=", env_example, re.M)


def test_the_monitoring_profile_starts_prometheus_and_grafana_provisioned():
    for role in ("prometheus", "grafana"):
        assert SERVICES[role]["profiles"] == ["monitoring"]
    for role in ("postgres", "redis", "migrate", "web", "worker", "nginx"):
        assert "profiles" not in SERVICES[role]
    volumes = SERVICES["prometheus"]["volumes"] + SERVICES["grafana"]["volumes"]
    files = [volume.split(":")[0] for volume in volumes if volume.startswith("./")]
    assert {"./monitoring/prometheus.yml", "./monitoring/alerts.yml", "./monitoring/grafana/provisioning"} <= set(files)
    for path in files:
        assert (ROOT / "deploy" / path).exists(), path
    provider = yaml.safe_load((ROOT / "deploy/monitoring/grafana/provisioning/dashboards/starshop.yml").read_text())
    assert f"./monitoring/grafana/dashboards:{provider['providers'][0]['options']['path']}:ro" in volumes


def test_the_pgbouncer_overlay_pools_by_transaction_and_points_the_replicas_at_it():
    text = (ROOT / "deploy/compose.pgbouncer.yaml").read_text()
    overlay = yaml.safe_load(text)
    assert names_in(text) <= KNOWN
    assert "pgbouncer" in overlay["services"]
    for role in ("web", "worker"):
        assert overlay["services"][role]["environment"]["STARSHOP_DATABASE_URL_FILE"].endswith("database_url_pooled")
    ini = (ROOT / "deploy/pgbouncer/pgbouncer.ini").read_text()
    assert re.search(r"^pool_mode = transaction$", ini, re.MULTILINE)
