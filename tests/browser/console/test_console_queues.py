"""The queues page: an unknown delivery shows the provider's answer and is settled from the page."""

from __future__ import annotations

import time

import httpx

from . import shop
from .conftest import ARTIFACTS, LOOKUP_AFTER
from .test_console_dashboard import sign_in
from .test_console_people import find


def funded_user(server, operator, user_id: int, amount: str) -> dict[str, str]:
    """A sandbox user, registered, with ``amount`` granted as a bonus."""
    who = shop.user(server, user_id, f"queue_{user_id}")
    operator.get("/api/v1/me", headers=who)
    granted = operator.post(
        f"/api/v1/admin/users/{user_id}/bonus",
        json={"amount": amount, "reason": "queue test"},
        headers={"Idempotency-Key": f"queue-seed-{user_id}"},
    )
    assert granted.status_code == 201, granted.text
    return who


def queued(page, server, operator, tx_id: str):
    """The purchase ``tx_id`` once its delivery is unknown, as the queues page shows it."""
    shop.wait(operator, tx_id, lambda t: t["delivery_unknown"], "the delivery never became unknown")
    sign_in(page, server)
    page.get_by_test_id("kpi-sales").wait_for()
    page.goto(f"{server}/admin#queues")
    item = page.locator(f"[data-testid=flagged-item][data-id='{tx_id}']")
    item.wait_for()
    return item


def test_an_operator_resolves_an_unknown_purchase_from_the_queue(page, server, operator):
    who = funded_user(server, operator, 6001, "3.00")
    tx_id = shop.buy(server, who, 100, "@lost_in_queue", "queue-b1")
    item = queued(page, server, operator, tx_id)
    item.get_by_text("Provider:").wait_for()  # the page asks the provider after drawing the item
    assert "no order for this purchase" in item.inner_text()
    assert item.get_by_test_id("resolve-button").is_disabled()  # too recent: the provider call may still land
    assert "too recent" in item.inner_text()
    page.screenshot(path=str(ARTIFACTS / "queue-too-recent.png"), full_page=True)
    button = item.get_by_test_id("resolve-button")
    deadline = time.monotonic() + LOOKUP_AFTER + 10
    while button.is_disabled():  # the page asks the provider again on refresh
        assert time.monotonic() < deadline, "the purchase never became settleable"
        time.sleep(0.5)
        with page.expect_response(lambda response: response.url.endswith("/lookup")):
            page.get_by_role("button", name="Refresh").click()  # the page lists and asks the provider again
        item.get_by_text("Provider:").wait_for()
    item.get_by_label("reason").fill("provider shows no order")
    button.click()
    item.get_by_text("Settled: the purchase is failed").wait_for()
    settled = operator.get(f"/api/v1/admin/transactions/{tx_id}").json()
    assert (settled["status"], settled["failure_reason"]) == ("failed", "operator: provider shows no order")
    balance = operator.get("/api/v1/admin/users/6001").json()["balance"]
    assert (balance["amount"], balance["held"]) == ("3.00", "0.00")
    page.wait_for_function(f"() => !document.querySelector(\"[data-id='{tx_id}']\")")


def test_a_premium_gift_in_the_queue_is_named_by_its_months(page, server, operator):
    """Premium set at run time; a gift whose delivery is unknown reads as Telegram Premium, never as stars."""
    sold = operator.patch("/api/v1/admin/settings", json={"premium_prices": "3:12.99"})
    assert sold.status_code == 200, sold.text
    try:
        who = funded_user(server, operator, 6002, "20.00")
        made = httpx.post(
            f"{server}/api/v1/purchases",
            json={"product": "premium", "months": 3, "recipient": "@lost_premium"},
            headers=who | {"Idempotency-Key": "queue-p1"},
            timeout=10,
        )
        assert made.status_code == 201, made.text
        tx_id = made.json()["id"]
        item = queued(page, server, operator, tx_id)
        shown = item.inner_text()
        assert "Telegram Premium, 3 months, to @lost_premium" in shown
        assert "undefined" not in shown and "★" not in shown
        page.screenshot(path=str(ARTIFACTS / "queue-premium.png"), full_page=True)
        page.get_by_role("link", name="People and money").click()
        find(page, "6002")
        row = page.locator(f"[data-testid=tx-row][data-id='{tx_id}']")
        row.wait_for()
        assert "Telegram Premium, 3 months, to @lost_premium" in row.inner_text()
    finally:
        operator.patch("/api/v1/admin/settings", json={"reset": ["premium_prices"]})
