"""The monitoring that ships in deploy/monitoring speaks the code's language: every metric an alert rule or a
dashboard panel names is one starshop exports (promtool is not installable from the Python package index, so the
rules are parsed here; Prometheus itself checks their syntax when it loads them)."""

import json
import re
from pathlib import Path

import yaml
from prometheus_client import Counter, Gauge, Histogram

from starshop.entrypoints.observability import Metrics

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy/monitoring"
PROMETHEUS_OWN = {"up"}  # series Prometheus makes itself for every target
PROMQL_WORDS = {"sum", "max", "min", "avg", "by", "without", "rate", "increase", "histogram_quantile", "on", "and"}


def exported() -> set[str]:
    """Every series name the registry can give, with the suffixes each metric type adds."""
    metrics = Metrics()
    names: set[str] = set()
    for family in metrics.registry.collect():
        names |= {sample.name for sample in family.samples} | {family.name}
    for value in vars(metrics).values():
        if isinstance(value, Counter):
            names |= {f"{value._name}_total", f"{value._name}_created"}
        elif isinstance(value, Histogram):
            names |= {f"{value._name}_{suffix}" for suffix in ("bucket", "count", "sum", "created")}
        elif isinstance(value, Gauge):
            names.add(value._name)
    return names


def metrics_in(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', "", expr)
    without_labels = re.sub(r"\{[^}]*\}|\[[^]]*\]", "", without_strings)
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", without_labels))
    return {word for word in words if "_" in word or word in PROMETHEUS_OWN} - PROMQL_WORDS


def rules() -> list[dict[str, object]]:
    document = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def panel_expressions() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana/dashboards/starshop.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_the_alerts_the_operator_needs_are_there():
    named = {rule["alert"]: rule["expr"] for rule in rules()}
    wanted = {
        "StarshopCircuitBreakerOpen": "starshop_circuit_breaker_state",
        "StarshopTransactionsFlagged": 'kind="operator_attention"',
        "StarshopOutboxBacklogOld": "starshop_outbox_lag_seconds",
        "StarshopProviderWalletLow": "starshop_provider_wallet_balance",
        "StarshopHttp5xxRate": 'status=~"5..',
    }
    for alert, mentions in wanted.items():
        assert mentions in str(named[alert]), alert
    assert "> 60" in str(named["StarshopOutboxBacklogOld"])  # older than a minute


def test_every_rule_is_well_formed():
    for rule in rules():
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", str(rule["alert"]))
        assert rule["labels"]["severity"] in {"warning", "critical"}  # type: ignore[index]
        assert rule["annotations"]["summary"]  # type: ignore[index]
        assert str(rule["expr"]).count("(") == str(rule["expr"]).count(")")


def test_every_metric_named_in_an_alert_or_a_panel_is_exported():
    known = exported() | PROMETHEUS_OWN
    expressions = [str(rule["expr"]) for rule in rules()] + panel_expressions()
    named = set().union(*(metrics_in(expr) for expr in expressions))
    assert named, "no metric found: the parser is broken"
    assert named - known == set()
    assert {"starshop_deliveries_total", "process_resident_memory_bytes", "starshop_bot_updates_total"} <= named


def test_the_dashboard_and_the_datasource_are_provisioned_together():
    datasource = yaml.safe_load((MONITORING / "grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    dashboard = json.loads((MONITORING / "grafana/dashboards/starshop.json").read_text())
    assert {panel["datasource"]["uid"] for panel in dashboard["panels"]} == {uid}
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


def test_prometheus_scrapes_the_web_replicas_and_the_workers_on_their_ports():
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["web"]["dns_sd_configs"][0]["port"] == 8000
    assert jobs["worker"]["dns_sd_configs"][0]["port"] == 8001
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
