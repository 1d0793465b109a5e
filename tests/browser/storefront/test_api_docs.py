"""The API docs page works offline: Swagger UI's scripts and styles come from the app, and with every other origin
cut off (the ``context`` fixture also fails the test if one is asked) it draws every documented operation."""

from __future__ import annotations

import httpx
from playwright.sync_api import BrowserContext, Route, expect

from .conftest import SCREENSHOTS


def test_the_api_docs_page_draws_every_operation_from_the_app_alone(context: BrowserContext, shop_url: str) -> None:
    def offline(route: Route) -> None:
        if route.request.url.startswith(shop_url + "/"):
            route.continue_()
        else:
            route.abort("internetdisconnected")

    context.route("**/*", offline)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{shop_url}/api/v1/schema")

    documented = httpx.get(f"{shop_url}/api/v1/schema/openapi.json").json()["paths"]
    operations = sum(len(item) for item in documented.values())
    blocks = page.locator(".opblock")
    expect(blocks).to_have_count(operations)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/purchases")).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    expect(page.locator(".models")).to_contain_text("Error")
    assert errors == []

    page.locator(".opblock-summary", has_text="/api/v1/purchases").click()
    expect(page.get_by_text("One per intent").first).to_be_visible()  # its Idempotency-Key header
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS.parent / "api-docs.png")
