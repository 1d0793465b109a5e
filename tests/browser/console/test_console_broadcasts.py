"""Broadcasts in the console against ``starshop run`` (Postgres, Redis, the worker) speaking to the fake Bot API:
a message previewed safely and sent to a segment marks the users who blocked the bot; a broadcast to everyone then
skips them (500 users left), stays within 30 messages a second over any one second (the fake's own clock) through a
429, and its progress reaches 500 / 500 sent."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from starshop.testing.fakes.bot_api import FakeBotApi
from tests.db import admin, run_in_thread

from .conftest import ARTIFACTS, OPERATOR_KEY, serving_starshop
from .test_console_dashboard import sign_in

BOT_TOKEN = "123456:broadcast-test-token"
READERS = range(2_000_001, 2_000_496)  # 495 users, language en
GERMANS = range(2_000_496, 2_000_506)  # 10 users, language de: 3 blocked the bot, 2 are deactivated
BLOCKED = tuple(GERMANS[:3])
DEACTIVATED = tuple(GERMANS[3:5])


@pytest.fixture(scope="module")
def fake_bot() -> Iterator[FakeBotApi]:
    """The fake Bot API on a loop of its own in a thread (the browser's sync API owns this one)."""
    loop = asyncio.new_event_loop()
    fake = FakeBotApi()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(fake.__aenter__(), loop).result(10)
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.__aexit__(None, None, None), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


@pytest.fixture(scope="module")
def bot_shop(pg_template: str, fake_bot: FakeBotApi) -> Iterator[str]:
    extra = {"STARSHOP_BOT_TOKEN": BOT_TOKEN, "STARSHOP_TELEGRAM_URL": fake_bot.url, "STARSHOP_BROADCAST_RATE": "30"}
    with serving_starshop(pg_template, "broadcasts", **extra) as (base, db_url):
        run_in_thread(
            admin(
                "INSERT INTO users (user_id, username, is_premium, language_code, created_at, updated_at)"
                " SELECT g, 'reader' || g, false, CASE WHEN g > 2000495 THEN 'de' ELSE 'en' END, now(), now()"
                " FROM generate_series(2000001, 2000505) AS g",
                "INSERT INTO balances (user_id, amount, held, currency, created_at, updated_at)"
                " SELECT g, 0, 0, 'USD', now(), now() FROM generate_series(2000001, 2000505) AS g",
                url=db_url,
            )
        )
        yield base


def broadcasts_page(page, server: str) -> None:
    sign_in(page, server)
    page.get_by_test_id("kpi-sales").wait_for()
    page.get_by_role("link", name="Broadcasts").click()
    page.get_by_test_id("broadcast-text").wait_for()


def sent_to(fake: FakeBotApi, chats: range | tuple[int, ...]) -> list[Any]:
    wanted = set(chats)
    return [c for c in fake.calls_to("sendMessage") if c.params.get("chat_id") in wanted]


def users(server: str, ids: tuple[int, ...]) -> list[dict[str, Any]]:
    with httpx.Client(base_url=server, headers={"X-API-Key": OPERATOR_KEY}, timeout=10) as client:
        return [client.get(f"/api/v1/admin/users/{i}").json() for i in ids]


def test_a_segment_broadcast_marks_who_blocked_the_bot_and_its_preview_is_safe(page, bot_shop, fake_bot):
    broadcasts_page(page, bot_shop)
    page.get_by_test_id("broadcast-text").fill(
        "Hallo <b>Freunde</b>! <i>Neu:</i> <tg-spoiler>Rabatt</tg-spoiler>\n<blockquote>Nur heute</blockquote>"
        ' <a href="https://t.me/starshop">Mehr</a>'
    )
    page.get_by_test_id("broadcast-button-text").fill("Zum Shop")
    page.get_by_test_id("broadcast-button-url").fill("https://shop.example/app")
    page.get_by_test_id("broadcast-language").fill("de")
    page.get_by_test_id("broadcast-preview-button").click()
    preview = page.get_by_test_id("broadcast-preview")
    preview.wait_for()
    assert page.get_by_test_id("broadcast-recipients").inner_text() == "10 recipients now"
    assert preview.locator("b").inner_text() == "Freunde"
    assert preview.locator("a").get_attribute("href") == "https://t.me/starshop"
    page.screenshot(path=str(ARTIFACTS / "broadcast-preview.png"), full_page=True)

    page.get_by_test_id("broadcast-text").fill('<img src="x" onerror="document.title=\'owned\'"> hi')
    page.get_by_test_id("broadcast-preview-button").click()
    message = page.get_by_test_id("broadcast-message")
    page.wait_for_function("el => el.textContent.includes('broadcast_invalid')", arg=message.element_handle())
    assert page.title() != "owned" and page.locator("img").count() == 0
    page.get_by_test_id("broadcast-send").click()  # refused the same way: nothing is stored or sent
    page.wait_for_function("el => el.textContent.includes('<img> is not allowed')", arg=message.element_handle())

    for chat in BLOCKED:
        fake_bot.block(chat)
    for chat in DEACTIVATED:
        fake_bot.deactivate(chat)
    page.get_by_test_id("broadcast-text").fill("Hallo <b>Freunde</b>!")
    page.get_by_test_id("broadcast-send").click()
    progress = page.get_by_test_id("broadcast-progress")
    expect(progress).to_have_text("5 / 10 sent", timeout=20_000)  # re-rendered on every poll: a locator, no handle
    page.get_by_test_id("broadcast-blocked").filter(has_text="5 blocked").wait_for()
    assert len(sent_to(fake_bot, GERMANS)) == 10
    sent = [c for c in sent_to(fake_bot, GERMANS) if c.answer.get("ok")]
    assert sent[0].params["parse_mode"] == "HTML" and sent[0].text == "Hallo <b>Freunde</b>!"
    assert all(u["blocked_at"] for u in users(bot_shop, BLOCKED + DEACTIVATED))
    assert not any(u["blocked_at"] for u in users(bot_shop, (GERMANS[5], READERS[0])))


def test_a_broadcast_to_500_users_keeps_telegrams_rate_skips_the_blocked_and_reaches_500(page, bot_shop, fake_bot):
    before = len(fake_bot.calls_to("sendMessage"))
    broadcasts_page(page, bot_shop)
    page.get_by_test_id("broadcast-text").fill("Stars are <b>10% off</b> today. <i>Tap below.</i>")
    page.get_by_test_id("broadcast-button-text").fill("Open the shop")
    page.get_by_test_id("broadcast-button-url").fill("https://shop.example/app")
    page.get_by_test_id("broadcast-preview-button").click()
    page.get_by_test_id("broadcast-recipients").filter(has_text="500 recipients now").wait_for()
    fake_bot.fail_next("sendMessage", status=429, retry_after=1)  # Telegram's flood control, once
    page.get_by_test_id("broadcast-send").click()
    progress = page.get_by_test_id("broadcast-progress")
    progress.wait_for()
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=broadcast-progress]')?.dataset.sent) >= 150",
        timeout=20_000,
    )
    page.screenshot(path=str(ARTIFACTS / "broadcast-sending.png"), full_page=True)
    expect(progress).to_have_text("500 / 500 sent", timeout=60_000)
    page.get_by_test_id("broadcast-current").locator(".pill.done").wait_for()
    page.get_by_test_id("broadcast-row").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "broadcasts.png"), full_page=True)

    calls = fake_bot.calls_to("sendMessage")[before:]
    delivered = [c for c in calls if c.answer.get("ok")]
    assert sorted(c.params["chat_id"] for c in delivered) == sorted([*READERS, *GERMANS[5:]])  # each exactly once
    assert not [c for c in calls if c.params["chat_id"] in BLOCKED + DEACTIVATED]  # marked by the first: skipped
    assert delivered[0].keyboard == [[{"text": "Open the shop", "url": "https://shop.example/app"}]]
    most = fake_bot.most_in_any_second()  # every sendMessage the fake received, by its own clock
    assert most <= 30, f"{most} messages within one second"
    assert calls[-1].at - calls[0].at >= 500 / 30
