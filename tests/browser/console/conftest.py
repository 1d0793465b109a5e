"""Browser tests: Playwright driving Debian's Chromium against a real ``starshop run`` server on Postgres and Redis.

One server and one browser serve all of them (each test gets its own page); screenshots go to
``.artifacts/console/`` (kept by CI as artefacts; docs/console/ holds the ones the docs show).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.db import create_database, database_url, drop_database, run_in_thread
from tests.support import REDIS_URL, free_port

CHROMIUM = "/usr/bin/chromium"
OPERATOR_KEY = "console-operator-key-0123456789"
ADMIN_ID = 777_001
LOOKUP_AFTER = 6.5  # seconds before an operator may settle an unknown delivery (more than the timeout + 5 s)
ARTIFACTS = Path(__file__).resolve().parents[3] / ".artifacts" / "console"
SERVER_DATABASE: dict[str, str] = {}  # the server's database URL, for a test that must write what no route writes

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="session")
def server(pg_template: str) -> Iterator[str]:
    """``starshop run`` (web app and worker) on its own Postgres database and Redis prefix; yields its base URL."""
    with serving_starshop(pg_template, "server") as (base, url):
        SERVER_DATABASE["url"] = url
        yield base


@contextmanager
def serving_starshop(pg_template: str, name: str, **extra: str) -> Iterator[tuple[str, str]]:
    """``starshop run`` on a database of its own (a copy of the migrated template) and a Redis prefix of its own,
    with the console's settings and ``extra`` (``STARSHOP_*`` values); yields its base URL and database URL. Its log
    is ``.artifacts/console/<name>.log``."""
    db = run_in_thread(create_database(pg_template))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "STARSHOP_DATABASE_URL": database_url(db),
        "STARSHOP_REDIS_URL": REDIS_URL,
        "STARSHOP_REDIS_PREFIX": f"browser-{uuid.uuid4().hex[:10]}:",
        "STARSHOP_API_KEYS": OPERATOR_KEY,
        "STARSHOP_ADMIN_IDS": str(ADMIN_ID),
        "STARSHOP_PORT": str(port),
        "STARSHOP_PUBLIC_URL": base,
        "STARSHOP_DELIVERY_LOOKUP_AFTER": str(LOOKUP_AFTER),
        "STARSHOP_FRAGMENT_TIMEOUT": "1",
        "STARSHOP_LOG_LEVEL": "WARNING",
    }
    for unwanted in ("STARSHOP_BOT_TOKEN", "STARSHOP_ENV", "STARSHOP_HELEKET_MERCHANT", "STARSHOP_FRAGMENT_SEED"):
        env.pop(unwanted, None)
    env.update(extra)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / f"{name}.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("starshop")), "run"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 90  # a loaded machine takes a while to import and start it
        while True:
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"starshop run did not start; see {log_path}")
            time.sleep(0.2)
        yield base, database_url(db)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        run_in_thread(drop_database(db))


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """One Chromium for the package. Not the session: Playwright's sync API keeps an event loop running in this
    thread while it lives, which the async tests that come after this package could not start beside."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: scripts/ensure-services installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (scripts/ensure-services installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US", timezone_id="UTC")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert errors == [], f"the page raised: {errors}"


@pytest.fixture(scope="session")
def operator(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, headers={"X-API-Key": OPERATOR_KEY}, timeout=10) as client:
        yield client
