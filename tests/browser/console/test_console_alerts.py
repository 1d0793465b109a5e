"""Alerts in the console: the banner above every page, a flagged top-up's webhook history on the queues page, and
the release of an outbox message set aside."""

from __future__ import annotations

import json

import httpx

from tests.db import admin, run_in_thread

from . import shop
from .conftest import ARTIFACTS, SERVER_DATABASE
from .test_console_dashboard import sign_in

POISON = {"kind": "gift_wrapped", "user_id": 6102, "tx_id": "from-a-newer-release"}


def underpaid_top_up(server: str) -> str:
    who = shop.user(server, 6101, "alert_user")
    made = httpx.post(
        f"{server}/api/v1/recharges", json={"amount": "12.00"}, headers=who | {"Idempotency-Key": "alert-r1"}
    )
    assert made.status_code == 201, made.text
    paid = httpx.post(f"{made.json()['invoice_url']}/underpay", timeout=10)
    assert paid.json()["outcome"] == "flagged", paid.text
    return str(made.json()["id"])


def set_aside_message() -> None:
    payload = json.dumps(POISON).replace("'", "''")
    run_in_thread(
        admin(
            "INSERT INTO outbox (key, kind, user_id, payload, attempts, created_at) VALUES"
            f" ('newer:alerts', 'gift_wrapped', 6102, '{payload}', 0, now())",
            url=SERVER_DATABASE["url"],
        )
    )


def test_the_banner_shows_a_flagged_top_up_whose_webhook_history_is_on_the_queues_page(page, server, operator):
    recharge_id = underpaid_top_up(server)
    set_aside_message()
    shop.wait(operator, recharge_id, lambda t: t["flag"], "the top-up was never flagged")
    for _ in range(200):  # the relay stores the alert
        alerts = operator.get("/api/v1/admin/alerts").json()["items"]
        if any(a["subject"] == recharge_id for a in alerts):
            break
        page.wait_for_timeout(50)
    sign_in(page, server)
    page.get_by_test_id("kpi-sales").wait_for()
    page.goto(f"{server}/admin#queues")
    banner = page.locator(f"[data-testid=alert][data-kind=flagged]:has-text('{recharge_id}')")
    banner.wait_for()
    assert "underpaid" in banner.inner_text()

    item = page.locator(f"[data-testid=flagged-item][data-id='{recharge_id}']")
    history = item.get_by_test_id("webhook-history")
    history.wait_for()
    [row] = history.locator("tbody tr").all_inner_texts()
    for shown in ("wrong_amount", "12.00 USD", "6.00 USD", "signature valid", "flagged"):
        assert shown in row, (shown, row)
    quarantined = page.locator("[data-testid=quarantined-item]:has-text('newer:alerts')")
    quarantined.wait_for()
    page.screenshot(path=str(ARTIFACTS / "queues-alerts.png"), full_page=True)

    with page.expect_response(lambda response: response.url.endswith("/release")) as released:
        quarantined.get_by_test_id("release-button").click()
    assert released.value.json()["state"] == "released"
    for _ in range(200):  # this release still cannot read it: the relay sets it aside again, as stored
        listed = operator.get("/api/v1/admin/outbox/quarantined").json()["items"]
        again = [m for m in listed if m["key"] == "newer:alerts" and m["attempts"] == 2]
        if again:
            break
        page.wait_for_timeout(50)
    assert again[0]["payload"] == POISON

    banner.get_by_test_id("alert-ack").click()
    banner.wait_for(state="detached")
    [alert] = [a for a in operator.get("/api/v1/admin/alerts").json()["items"] if a["subject"] == recharge_id]
    assert alert["acknowledged_at"] is not None
