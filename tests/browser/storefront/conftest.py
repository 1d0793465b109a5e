"""A real ``starshop run`` (the embedded default: SQLite, sandbox payments and delivery) and Debian's Chromium,
one of each per session; every test gets a fresh browser context at 360x640 and fails if the page asked anything of
another origin."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from starshop.entrypoints.web.auth import SANDBOX_BOT_TOKEN, init_data_for
from starshop.entrypoints.web.storefront import THEMES, launch_fragment
from tests.support import free_port

CHROMIUM = os.environ.get("STARSHOP_TEST_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "build" / "screenshots" / "storefront"
PHONE = {"width": 360, "height": 640}


@pytest.fixture(scope="package")
def shop_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``starshop run`` as a newcomer starts it, with a quick outbox relay so events reach the page at once."""
    workdir = tmp_path_factory.mktemp("shop")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STARSHOP_")}
    env |= {"STARSHOP_PORT": str(port), "STARSHOP_RELAY_INTERVAL": "0.1", "STARSHOP_LOG_LEVEL": "WARNING"}
    env["STARSHOP_PREMIUM_PRICES"] = "3:12.99,6:16.99,12:29.99"  # Telegram Premium on sale too
    log = (workdir / "starshop.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "starshop.entrypoints.cli", "run"], cwd=workdir, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"starshop run did not start: {(workdir / 'starshop.log').read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the package, not the session: Playwright's sync API keeps an event loop running in this
    thread while it lives, which the async tests after this package could not start beside."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, shop_url: str) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    asked: list[str] = []
    context.on("request", lambda request: asked.append(request.url))
    yield context
    context.close()
    elsewhere = [url for url in asked if not url.startswith((shop_url + "/", shop_url.replace("http", "ws") + "/"))]
    assert elsewhere == [], "the page asked another origin"


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def launch_url(
    shop_url: str, user_id: int, username: str | None, *, language: str = "en", theme: str | None = "light"
) -> str:
    """The storefront as Telegram opens it: the signed initData and the theme in the fragment."""
    user: dict[str, object] = {"id": user_id, "first_name": username or "Anon", "language_code": language}
    if username:
        user["username"] = username
    init_data = init_data_for(user, SANDBOX_BOT_TOKEN)
    return f"{shop_url}/app#{launch_fragment(init_data, theme=THEMES[theme] if theme else None, platform='android')}"


def shot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def shot(page: Page, name: str) -> None:
    """A 360x640 picture of the moment, kept in build/screenshots/storefront."""
    page.screenshot(path=shot_path(name))
