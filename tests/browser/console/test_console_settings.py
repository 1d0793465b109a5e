"""Shop settings in the console: an operator changes the price (the storefront's next quote follows), then turns
maintenance on (the storefront shows the message and cannot buy; the API refuses a purchase with it). The bot's
side of the same change runs on Postgres and Redis in tests/integration/bot/test_bot_shop_settings.py."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.storefront.conftest import launch_url

from . import shop
from .conftest import ARTIFACTS
from .test_console_dashboard import sign_in

SHOPPER = 7301
EVERY = ["price_per_star", "markup", "min_stars", "max_stars", "wallet_floor", "maintenance", "maintenance_message"]


@pytest.fixture
def defaults_after(operator) -> Iterator[None]:
    """The server serves every console test: whatever this test sets goes back to the defaults after it."""
    yield
    current = operator.get("/api/v1/admin/settings").json()["overridden"]
    if current:
        assert operator.patch("/api/v1/admin/settings", json={"reset": current}).status_code == 200


def settings_page(page, server: str) -> None:
    sign_in(page, server)
    page.get_by_test_id("kpi-sales").wait_for()
    page.get_by_role("link", name="Settings").click()
    page.get_by_test_id("setting-price").wait_for()


def save(page) -> None:
    page.get_by_test_id("setting-save").click()
    expect(page.get_by_test_id("setting-message")).to_contain_text("Saved")


def test_a_price_changed_in_the_console_is_the_storefronts_next_quote(page, server, operator, defaults_after):
    who = shop.user(server, SHOPPER, "Settings_Sam")
    shop.top_up(server, who, "20.00", "settings-r1")
    before = operator.get("/api/v1/admin/settings").json()
    markup = before["values"]["markup"]
    settings_page(page, server)
    expect(page.get_by_test_id("setting-price")).to_have_value(before["values"]["price_per_star"])

    page.get_by_test_id("setting-price").fill("0.02")
    save(page)
    assert operator.get("/api/v1/admin/settings").json()["values"]["price_per_star"] == "0.02"
    expect(page.get_by_test_id("audit-row")).not_to_have_count(0)
    newest = page.get_by_test_id("audit-row").first
    expect(newest).to_contain_text("price_per_star")
    expect(newest).to_contain_text("api-key:")

    price = f"{round(100 * 0.02 * (1 + float(markup)), 2):.2f} USD"
    store = page.context.new_page()
    store.goto(launch_url(server, SHOPPER, "Settings_Sam"))
    expect(store.locator('[data-testid="quick-amount"][data-stars="100"]')).to_contain_text(price)
    store.screenshot(path=str(ARTIFACTS / "settings-storefront-price.png"), full_page=True)
    store.close()


def test_maintenance_turned_on_in_the_console_refuses_purchases_with_the_message(
    page, server, operator, defaults_after
):
    who = shop.user(server, SHOPPER + 1, "Paused_Pat")
    shop.top_up(server, who, "20.00", "settings-r2")
    store = page.context.new_page()  # a shopper who opened the storefront before the pause
    store.goto(launch_url(server, SHOPPER + 1, "Paused_Pat"))
    store.locator('[data-testid="quick-amount"][data-stars="100"]').click()
    store.get_by_test_id("pay-balance").click()
    expect(store.get_by_test_id("buy-confirm")).to_be_enabled()

    settings_page(page, server)
    page.get_by_test_id("setting-price").fill("0.02")
    page.get_by_test_id("maintenance-toggle").check()
    page.get_by_test_id("setting-maintenance-message").fill("Restocking stars, back at 18:00 UTC.")
    save(page)
    expect(page.get_by_test_id("maintenance-state")).to_have_text("maintenance: sales paused")
    expect(page.get_by_test_id("audit-row")).not_to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "settings.png"), full_page=True)

    store.get_by_test_id("buy-confirm").click()  # the order confirmed after the pause is refused with the message
    expect(store.get_by_test_id("error")).to_have_text("Sales are paused: Restocking stars, back at 18:00 UTC.")
    expect(store.get_by_test_id("maintenance-banner")).to_be_visible()
    expect(store.get_by_test_id("pay-balance")).to_be_disabled()

    store.goto(launch_url(server, SHOPPER + 1, "Paused_Pat"))  # opened while paused
    banner = store.get_by_test_id("maintenance-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Restocking stars, back at 18:00 UTC.")
    store.locator('[data-testid="quick-amount"][data-stars="100"]').click()
    expect(store.locator("#price")).to_have_text(re.compile(r"Price: \d+\.\d\d USD"))  # the quote still shows
    expect(store.get_by_test_id("pay-balance")).to_be_disabled()
    expect(store.get_by_test_id("pay-invoice")).to_be_disabled()
    store.screenshot(path=str(ARTIFACTS / "settings-storefront-paused.png"), full_page=True)
    store.close()

    refused = httpx.post(
        f"{server}/api/v1/purchases",
        json={"stars": 100, "recipient": "@some_friend"},
        headers=who | {"Idempotency-Key": "settings-b1"},
        timeout=10,
    )
    assert refused.status_code == 503
    assert refused.json()["error"] == {"code": "maintenance", "message": "Restocking stars, back at 18:00 UTC."}
    kinds = [
        t["type"] for t in operator.get("/api/v1/admin/transactions", params={"user_id": SHOPPER + 1}).json()["items"]
    ]
    assert kinds == ["recharge"]

    page.get_by_test_id("maintenance-toggle").uncheck()
    save(page)
    expect(page.get_by_test_id("maintenance-state")).to_have_text("sales open")
    assert operator.get("/api/v1/shop", headers=who).json()["sales_paused"] is False
