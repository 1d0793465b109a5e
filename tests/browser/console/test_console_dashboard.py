"""Signing in to the console and its dashboard, in Chromium against a real server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import quote

import pytest

from starshop.entrypoints.settings import SANDBOX_BOT_TOKEN
from starshop.entrypoints.web.auth import init_data_for

from . import shop
from .conftest import ADMIN_ID, OPERATOR_KEY


@pytest.fixture(scope="session")
def sales(server, operator) -> dict[str, str]:
    """Two users top up; Alice buys twice (delivered) and once for a name the provider refuses."""
    alice, bob = shop.user(server, 5001, "alice_c"), shop.user(server, 5002, "bob_c")
    shop.top_up(server, alice, "20.00", "dash-r1")
    shop.top_up(server, bob, "5.00", "dash-r2")
    bought = [
        shop.buy(server, alice, 100, "@dash_gift_one", "dash-b1"),
        shop.buy(server, alice, 250, "@dash_gift_two", "dash-b2"),
        shop.buy(server, alice, 50, "@refuse_dash", "dash-b3"),
    ]
    for tx_id in bought:
        shop.wait(operator, tx_id, lambda t: t["status"] in ("completed", "failed"), "the worker never settled")
    return {"today": datetime.now(UTC).date().isoformat()}


def sign_in(page, server: str, key: str = OPERATOR_KEY) -> None:
    page.goto(f"{server}/admin")
    page.get_by_test_id("login-key").fill(key)
    page.get_by_test_id("login-submit").click()


def test_a_wrong_key_is_refused_says_so_and_changes_nothing(page, server, operator, sales):
    before = shop.ledger(operator)
    sign_in(page, server, "not-an-operator-key")
    error = page.locator("#login-error")
    error.wait_for(state="visible")
    assert "not an operator key" in error.inner_text()
    assert page.get_by_test_id("login-key").is_visible()
    assert page.get_by_test_id("kpi-sales").count() == 0
    assert page.evaluate("Object.keys(sessionStorage)") == []
    assert "not-an-operator-key" not in page.url
    assert shop.ledger(operator) == before


def test_signing_in_shows_headline_figures_equal_to_the_api_and_the_ledger(page, server, operator, sales):
    sign_in(page, server)
    page.get_by_test_id("kpi-sales").wait_for()
    assert OPERATOR_KEY not in page.url
    api = operator.get("/api/v1/admin/stats").json()["totals"]
    rows = shop.ledger(operator)
    shown = {k: page.get_by_test_id(f"kpi-{k}").get_attribute("data-value") for k in ("recharged", "sales", "stars")}
    assert shown == {"recharged": api["recharged"], "sales": api["sales"], "stars": str(api["stars"])}
    assert Decimal(shown["recharged"]) == shop.completed_sum(rows, "recharge") == Decimal("25.00")
    assert Decimal(shown["sales"]) == shop.completed_sum(rows, "purchase") == Decimal("5.78")
    delivered = [t["stars"] for t in rows if t["type"] == "purchase" and t["status"] == "completed"]
    assert int(shown["stars"]) == sum(delivered) == 350
    assert page.get_by_test_id("kpi-sales").inner_text() == "5.78"
    page.reload()  # the key survives a reload of the tab, and only in this tab's sessionStorage
    page.get_by_test_id("kpi-sales").wait_for()
    assert page.evaluate("Object.values(sessionStorage)") == [OPERATOR_KEY]


def test_the_sales_chart_is_drawn_with_the_days_sales(page, server, operator, sales):
    sign_in(page, server)
    chart = page.get_by_test_id("chart-sales")
    chart.wait_for()
    assert chart.evaluate("el => el.tagName.toLowerCase()") == "svg"
    bar = chart.locator(f"rect[data-key=sales][data-period='{sales['today']}']")
    today = operator.get("/api/v1/admin/stats", params={"from": sales["today"], "to": sales["today"]}).json()
    assert bar.get_attribute("data-value") == today["totals"]["sales"] == "5.78"
    assert float(bar.get_attribute("height")) > 10
    empty_days = chart.locator("rect[data-key=sales][data-value='0.00']")
    assert empty_days.count() == 29  # the other 29 days of the default range sold nothing
    page.select_option("select[aria-label=bucket]", "week")
    page.get_by_test_id("range-apply").click()
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=chart-sales] rect[data-key=sales]').length <= 6"
    )
    weeks = chart.locator("rect[data-key=sales]")
    assert sum(Decimal(weeks.nth(i).get_attribute("data-value")) for i in range(weeks.count())) == Decimal("5.78")


def test_an_admin_opens_the_console_inside_telegram_and_a_stranger_is_told_no(page, server, sales):
    admin = init_data_for({"id": ADMIN_ID, "username": "boss"}, SANDBOX_BOT_TOKEN)
    page.goto(f"{server}/admin#tgWebAppData={quote(admin, safe='')}&tgWebAppVersion=7.0")
    page.get_by_test_id("kpi-sales").wait_for()
    assert page.locator("#who").inner_text() == "@boss"
    assert "tgWebAppData" not in page.url  # the initData is taken out of the address bar
    assert page.evaluate("Object.keys(sessionStorage)") == []
    stranger = init_data_for({"id": 5001, "username": "alice_c"}, SANDBOX_BOT_TOKEN)
    page.goto(f"{server}/admin?again#tgWebAppData={quote(stranger, safe='')}")
    page.get_by_role("heading", name="Not an operator").wait_for()
    assert page.get_by_test_id("kpi-sales").count() == 0


def test_the_console_is_served_with_a_strict_content_security_policy(server, operator):
    page = operator.get("/admin", headers={"X-API-Key": ""})
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy and "form-action 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    script = operator.get("/admin/assets/js/main.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "http" not in json.dumps([line for line in page.text.splitlines() if "src=" in line or "href=" in line])
