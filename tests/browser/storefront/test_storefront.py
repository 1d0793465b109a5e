"""The Mini App storefront in Chromium against a real ``starshop run``: what a Telegram user sees and does."""

from __future__ import annotations

import itertools
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from starshop.entrypoints.web.auth import SANDBOX_BOT_TOKEN, init_data_for

from .conftest import launch_url, shot, shot_path

pytestmark = pytest.mark.browser
USER_IDS = itertools.count(710_000)


def new_user(username: str | None = "shopper_x") -> tuple[int, str | None]:
    return next(USER_IDS), username


def fund(shop_url: str, user_id: int, amount: str) -> None:
    """Money on a user's balance the short way: the API and the sandbox invoice's pay button."""
    auth = {"Authorization": f"tma {init_data_for({'id': user_id}, SANDBOX_BOT_TOKEN)}"}
    recharge = httpx.post(
        f"{shop_url}/api/v1/recharges", json={"amount": amount}, headers=auth | {"Idempotency-Key": f"fund-{user_id}"}
    )
    assert httpx.post(f"{recharge.json()['invoice_url']}/pay").json()["outcome"] == "credited"


def purchases(shop_url: str, user_id: int) -> list[dict[str, object]]:
    auth = {"Authorization": f"tma {init_data_for({'id': user_id}, SANDBOX_BOT_TOKEN)}"}
    history = httpx.get(f"{shop_url}/api/v1/transactions", headers=auth).json()
    return [tx for tx in history["items"] if tx["type"] == "purchase"]


def open_shop(page: Page, shop_url: str, user_id: int, username: str | None, **kw: str | None) -> None:
    page.goto(launch_url(shop_url, user_id, username, **kw))
    expect(page.get_by_test_id("balance")).not_to_have_text("…")


def choose(page: Page, stars: int, recipient: str | None = None) -> None:
    page.locator(f'[data-testid="quick-amount"][data-stars="{stars}"]').click()
    if recipient is not None:
        page.locator("input[name=who][value=gift]").check()
        page.get_by_test_id("recipient-input").fill(recipient)


def test_the_sandbox_journey_top_up_pay_buy_a_gift_and_find_it_in_the_history(page, shop_url):
    user_id, username = new_user("journey_user")
    open_shop(page, shop_url, user_id, username)
    expect(page.get_by_test_id("balance")).to_have_text("0.00 USD")
    expect(page.get_by_test_id("quick-amount")).to_have_count(5)
    expect(page.locator('[data-testid="quick-amount"][data-stars="100"]')).to_contain_text("1.65 USD")
    shot(page, "journey-buy")

    page.get_by_role("tab", name="Top up").click()
    page.get_by_test_id("topup-amount").fill("10")
    with page.context.expect_page() as invoice_page:
        page.get_by_test_id("topup-button").click()
    invoice = invoice_page.value
    expect(invoice.get_by_text("SANDBOX: no real money moves here")).to_be_visible()
    invoice.get_by_role("button", name="pay", exact=True).click()
    expect(invoice.get_by_text("credited")).to_be_visible()
    invoice.close()
    expect(page.get_by_test_id("balance")).to_have_text("10.00 USD")  # pushed over the websocket, no reload
    expect(page.get_by_test_id("available")).to_have_text("10.00 USD")

    page.get_by_role("tab", name="Buy stars").click()
    choose(page, 100, "@bob_gift")
    expect(page.locator("#price")).to_have_text("Price: 1.65 USD")
    page.get_by_test_id("pay-balance").click()
    expect(page.get_by_test_id("buy-confirm")).to_have_text("Pay 1.65 USD from balance")
    shot(page, "journey-confirm")
    page.get_by_test_id("buy-confirm").click()
    status = page.get_by_test_id("order-status")
    expect(status).to_have_attribute("data-status", "completed")
    expect(status).to_contain_text(re.compile(r"Delivered: 100 ⭐ to @bob_gift\. Reference \S+"))
    expect(page.get_by_test_id("balance")).to_have_text("8.35 USD")
    expect(page.get_by_test_id("held")).to_have_text("0.00 USD")
    shot(page, "journey-delivered")

    page.get_by_role("tab", name="History").click()
    items = page.get_by_test_id("history-item")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("100 ⭐ → @bob_gift")
    expect(items.first).to_contain_text("\u22121.65 USD")  # a minus sign
    expect(items.nth(1)).to_contain_text("+10.00 USD")
    shot(page, "journey-history")
    assert page.errors == []  # type: ignore[attr-defined]


def test_russian_dark_theme_and_switching_to_english(page, shop_url):
    user_id, username = new_user("russian_user")
    fund(shop_url, user_id, "5.00")
    open_shop(page, shop_url, user_id, username, language="ru", theme="dark")
    expect(page.get_by_role("tab", name="Звёзды")).to_be_visible()
    expect(page.get_by_text("Баланс", exact=True)).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(33, 33, 33)"
    assert page.evaluate("document.documentElement.dataset.scheme") == "dark"
    choose(page, 250)
    expect(page.locator("#price")).to_have_text("Цена: 4.13 USD")
    shot(page, "ru-dark-360-buy")

    with page.expect_response("**/api/v1/me/language") as stored:
        page.get_by_test_id("lang-switch").click()
    assert stored.value.status == 200  # kept on the user's row: the bot speaks it too
    expect(page.get_by_role("tab", name="Buy stars")).to_be_visible()
    expect(page.locator("#price")).to_have_text("Price: 4.13 USD")
    page.reload()  # the choice is remembered
    expect(page.get_by_role("tab", name="Buy stars")).to_be_visible()
    page.evaluate("localStorage.clear()")  # another device: the choice comes from the shop, not this browser
    page.reload()
    expect(page.get_by_role("tab", name="Buy stars")).to_be_visible()


def test_a_recipient_that_does_not_exist_is_refused_and_one_the_provider_refuses_gets_the_money_back(page, shop_url):
    user_id, username = new_user("gifting_user")
    fund(shop_url, user_id, "5.00")
    open_shop(page, shop_url, user_id, username)
    choose(page, 50, "ab")
    expect(page.locator("#recipient-hint")).to_have_text("A username is 5 to 32 letters, digits or _")
    expect(page.get_by_test_id("pay-balance")).to_be_disabled()

    page.get_by_test_id("recipient-input").fill("@ghost_user")
    page.get_by_test_id("pay-balance").click()
    page.get_by_test_id("buy-confirm").click()
    expect(page.get_by_test_id("error")).to_have_text("There is no Telegram user @ghost_user.")
    expect(page.get_by_test_id("balance")).to_have_text("5.00 USD")
    assert purchases(shop_url, user_id) == []

    page.get_by_test_id("recipient-input").fill("@refuse_me")
    page.get_by_test_id("pay-balance").click()
    page.get_by_test_id("buy-confirm").click()
    status = page.get_by_test_id("order-status")
    expect(status).to_have_attribute("data-status", "failed")
    expect(status).to_contain_text("Refused:")
    expect(status).to_contain_text("The money is back on your balance.")
    expect(page.get_by_test_id("balance")).to_have_text("5.00 USD")
    expect(page.get_by_test_id("held")).to_have_text("0.00 USD")
    shot(page, "en-light-360-refused")


def test_not_enough_money_offers_to_top_up_the_missing_amount(page, shop_url):
    user_id, username = new_user("poor_user")
    open_shop(page, shop_url, user_id, username)
    choose(page, 100)
    page.get_by_test_id("pay-balance").click()
    page.get_by_test_id("buy-confirm").click()
    error = page.get_by_test_id("error")
    expect(error).to_contain_text("Not enough money: 1.65 USD is missing.")
    shot(page, "en-light-360-insufficient")
    error.get_by_role("button", name="Top up 1.65 USD").click()
    expect(page.get_by_role("tab", name="Top up")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("topup-amount")).to_have_value("1.65")
    expect(page.get_by_test_id("topup-button")).to_be_enabled()
    assert purchases(shop_url, user_id) == []


def test_a_double_tap_on_confirm_is_one_order(page, shop_url):
    user_id, username = new_user("double_tapper")
    fund(shop_url, user_id, "5.00")
    open_shop(page, shop_url, user_id, username)
    choose(page, 50)
    page.get_by_test_id("pay-balance").click()
    page.get_by_test_id("buy-confirm").dblclick()
    page.get_by_test_id("buy-confirm").evaluate("button => { button.click(); button.click(); }")
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "completed")
    expect(page.get_by_test_id("balance")).to_have_text("4.17 USD")
    assert len(purchases(shop_url, user_id)) == 1


def test_amounts_are_checked_as_typed(page, shop_url):
    user_id, username = new_user("typing_user")
    open_shop(page, shop_url, user_id, username)
    stars = page.get_by_test_id("stars-input")
    for typed, hint in [("49", "At least 50 stars"), ("10001", "At most 10000 stars"), ("1.5", "Enter a whole")]:
        stars.fill(typed)
        expect(page.locator("#stars-hint")).to_contain_text(hint)
        expect(stars).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_test_id("pay-balance")).to_be_disabled()
    stars.fill("77")
    expect(page.locator("#price")).to_have_text("Price: 1.28 USD")
    expect(page.get_by_test_id("pay-invoice")).to_be_enabled()
    page.get_by_role("tab", name="Top up").click()
    amount = page.get_by_test_id("topup-amount")
    for typed in ["0.50", "10001", "1.234", "1e3"]:
        amount.fill(typed)
        expect(page.get_by_test_id("topup-button")).to_be_disabled()
    amount.fill("25")
    expect(page.get_by_test_id("topup-button")).to_be_enabled()


def test_paying_by_invoice_waits_for_the_invoice_then_delivers(page, shop_url):
    user_id, username = new_user("invoice_payer")
    open_shop(page, shop_url, user_id, username)
    choose(page, 50)
    page.get_by_test_id("pay-invoice").click()
    with page.context.expect_page() as invoice_page:
        page.get_by_test_id("buy-confirm").click()
    status = page.get_by_test_id("order-status")
    expect(status).to_have_attribute("data-status", "pending")
    expect(status).to_contain_text("waiting for the invoice to be paid")
    invoice = invoice_page.value
    invoice.get_by_role("button", name="pay", exact=True).click()
    expect(status).to_have_attribute("data-status", "completed")
    expect(status).to_contain_text("to @invoice_payer")


def test_the_history_pages_through_and_too_many_top_ups_are_rate_limited(page, shop_url):
    user_id, username = new_user("history_user")
    fund(shop_url, user_id, "5.00")
    auth = {"Authorization": f"tma {init_data_for({'id': user_id}, SANDBOX_BOT_TOKEN)}"}
    for n in range(9):  # with the funding top-up: the 10 a minute the shop allows
        answer = httpx.post(
            f"{shop_url}/api/v1/recharges", json={"amount": "1.00"}, headers=auth | {"Idempotency-Key": f"h{n}"}
        )
        assert answer.status_code == 201
    for n in range(2):
        order = {"stars": 50, "recipient": "@history_user"}
        answer = httpx.post(f"{shop_url}/api/v1/purchases", json=order, headers=auth | {"Idempotency-Key": f"p{n}"})
        assert answer.status_code == 201
    open_shop(page, shop_url, user_id, username)
    page.get_by_role("tab", name="History").click()
    expect(page.get_by_test_id("history-item")).to_have_count(10)
    expect(page.locator("#page-info")).to_have_text("Page 1 of 2")
    page.get_by_role("button", name="Next page").click()
    expect(page.get_by_test_id("history-item")).to_have_count(2)
    expect(page.get_by_role("button", name="Next page")).to_be_disabled()
    page.get_by_role("button", name="Previous page").click()
    expect(page.get_by_test_id("history-item")).to_have_count(10)

    page.get_by_role("tab", name="Top up").click()
    page.get_by_test_id("topup-amount").fill("5")
    page.get_by_test_id("topup-button").click()
    expect(page.get_by_test_id("error")).to_have_text("Too many requests. Wait a minute and try again.")


def test_without_init_data_the_page_asks_to_open_it_in_telegram_and_the_sandbox_signs_in_at_a_click(page, shop_url):
    page.goto(f"{shop_url}/app")
    expect(page.get_by_role("heading", name="Open this in Telegram")).to_be_visible()
    page.get_by_role("link", name="Sign in as a made-up user (sandbox)").click()
    expect(page.get_by_test_id("balance")).to_have_text("0.00 USD")
    page.goto(f"{shop_url}/")
    page.get_by_role("link", name="… in Russian, dark theme").click()
    expect(page.get_by_test_id("balance")).to_have_text("0.00 USD")
    expect(page.get_by_text("Баланс", exact=True)).to_be_visible()


def test_forged_init_data_gets_no_shop(page, shop_url):
    url = launch_url(shop_url, next(USER_IDS), "forger").replace("forger", "forgex")
    page.goto(url)
    expect(page.get_by_role("heading", name="Open this in Telegram")).to_be_visible()
    expect(page.locator("#outside .hint")).to_contain_text("session has expired")


def test_inside_telegram_the_main_and_back_buttons_drive_the_confirmation(page, shop_url):
    """Telegram's WebApp object (a stand-in recording calls, as the real script would offer it)."""
    user_id, username = new_user("native_user")
    fund(shop_url, user_id, "5.00")
    launch = launch_url(shop_url, user_id, username)
    page.add_init_script(
        """
        const initData = decodeURIComponent(new URLSearchParams(location.hash.slice(1)).get("tgWebAppData") || "");
        const button = (name) => ({ handlers: [], visible: false, text: "",
          setText(t) { this.text = t; }, show() { this.visible = true; }, hide() { this.visible = false; },
          onClick(h) { this.handlers.push(h); }, offClick(h) { this.handlers = this.handlers.filter((x) => x !== h); },
          showProgress() {}, hideProgress() {} });
        window.calls = [];
        window.Telegram = { WebApp: { initData, initDataUnsafe: {}, themeParams: {}, colorScheme: "light",
          platform: "android", isVersionAtLeast: () => true, MainButton: button(), BackButton: button(),
          HapticFeedback: { impactOccurred() {}, notificationOccurred() {} },
          ready() { window.calls.push("ready"); }, expand() { window.calls.push("expand"); },
          onEvent() {}, openLink(url) { window.calls.push("openLink " + url); } } };
        """
    )
    page.goto(launch)
    expect(page.get_by_test_id("balance")).to_have_text("5.00 USD")
    assert page.evaluate("window.calls") == ["ready", "expand"]
    choose(page, 50)
    page.get_by_test_id("pay-balance").click()
    expect(page.get_by_test_id("buy-confirm")).to_be_hidden()  # the MainButton takes its place
    main = page.evaluate("[Telegram.WebApp.MainButton.visible, Telegram.WebApp.MainButton.text]")
    assert main == [True, "Pay 0.83 USD from balance"]
    assert page.evaluate("Telegram.WebApp.BackButton.visible")
    page.evaluate("Telegram.WebApp.BackButton.handlers.forEach((h) => h())")
    expect(page.get_by_test_id("pay-balance")).to_be_visible()
    assert page.evaluate("[Telegram.WebApp.MainButton.visible, Telegram.WebApp.BackButton.visible]") == [False, False]
    page.get_by_test_id("pay-balance").click()
    page.evaluate("Telegram.WebApp.MainButton.handlers.forEach((h) => h())")
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "completed")
    page.get_by_role("tab", name="Top up").click()
    page.get_by_test_id("topup-amount").fill("3")
    page.get_by_test_id("topup-button").click()
    expect(page.locator("#topup-status")).to_contain_text("The invoice for 3.00 USD is open")
    assert any(call.startswith(f"openLink {shop_url}/sandbox/invoices/") for call in page.evaluate("window.calls"))


@pytest.mark.parametrize(
    ("language", "theme", "size"),
    [
        ("en", "light", (360, 640)),
        ("ru", "dark", (360, 640)),
        ("en", "dark", (1280, 800)),
        ("ru", "light", (1280, 800)),
    ],
)
def test_screenshots_show_no_horizontal_scroll(page, shop_url, language, theme, size):
    user_id, username = new_user(f"shots_{language}_{theme}")
    fund(shop_url, user_id, "10.00")
    auth = {"Authorization": f"tma {init_data_for({'id': user_id}, SANDBOX_BOT_TOKEN)}"}
    order = {"stars": 250, "recipient": "@durov_fan"}
    httpx.post(f"{shop_url}/api/v1/purchases", json=order, headers=auth | {"Idempotency-Key": "shot"})
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_shop(page, shop_url, user_id, username, language=language, theme=theme)
    name = f"{language}-{theme}-{size[0]}"
    choose(page, 100, "@bob_gift")
    page.locator("body").click(position={"x": 1, "y": 1})  # nothing focused in the picture
    for tab in ("buy", "topup", "history"):
        page.locator(f"#tab-{tab}").click()
        if tab == "history":
            expect(page.get_by_test_id("history-item")).to_have_count(2)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=shot_path(f"{name}-{tab}"))


def test_a_premium_gift_bought_elsewhere_is_named_in_the_history(page, shop_url):
    """The storefront has no Premium tab yet: a gift bought in the bot or through the API shows as one."""
    user_id, username = new_user("premium_user")
    fund(shop_url, user_id, "20.00")
    auth = {"Authorization": f"tma {init_data_for({'id': user_id}, SANDBOX_BOT_TOKEN)}"}
    order = {"product": "premium", "months": 3, "recipient": "@premium_friend"}
    answer = httpx.post(f"{shop_url}/api/v1/purchases", json=order, headers=auth | {"Idempotency-Key": "gift"})
    assert answer.status_code == 201, answer.text
    open_shop(page, shop_url, user_id, username)
    page.get_by_role("tab", name="History").click()
    first = page.get_by_test_id("history-item").first
    expect(first.locator(".title")).to_have_text("💎 Premium 3 mo. → @premium_friend")
    expect(first.locator(".amount")).to_have_text("−12.99 USD")  # noqa: RUF001  (a real minus sign)
    shot(page, "premium-history")
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_premium_tab_gives_telegram_premium_for_the_months_chosen(page, shop_url):
    user_id, username = new_user("premium_buyer")
    fund(shop_url, user_id, "20.00")
    open_shop(page, shop_url, user_id, username)
    page.get_by_role("tab", name="Premium").click()
    months = page.get_by_test_id("premium-months")
    expect(months).to_have_count(3)
    expect(page.locator('[data-testid="premium-months"][data-months="6"]')).to_contain_text("6 months")
    expect(page.locator('[data-testid="premium-months"][data-months="6"]')).to_contain_text("16.99 USD")
    expect(page.get_by_test_id("stars-input")).to_be_hidden()
    expect(page.get_by_test_id("pay-balance")).to_be_disabled()
    page.locator('[data-testid="premium-months"][data-months="3"]').click()
    page.locator("input[name=who][value=gift]").check()
    page.get_by_test_id("recipient-input").fill("@bob_gift")
    expect(page.locator("#price")).to_have_text("Price: 12.99 USD")
    shot(page, "premium-choose")
    page.get_by_test_id("pay-balance").click()
    expect(page.locator("#confirm-text")).to_have_text("💎 Telegram Premium, 3 months, for @bob_gift")
    expect(page.get_by_test_id("buy-confirm")).to_have_text("Pay 12.99 USD from balance")
    page.get_by_test_id("buy-confirm").click()
    status = page.get_by_test_id("order-status")
    expect(status).to_have_attribute("data-status", "completed")
    expect(status).to_contain_text("Delivered: 💎 Premium, 3 months, to @bob_gift.")
    expect(page.get_by_test_id("balance")).to_have_text("7.01 USD")
    shot(page, "premium-delivered")
    [gift] = purchases(shop_url, user_id)
    assert (gift["product"], gift["months"], gift["status"]) == ("premium", 3, "completed")
    page.get_by_role("button", name="Buy more").click()
    expect(page.get_by_test_id("premium-months")).to_have_count(3)
    page.get_by_role("tab", name="Buy stars").click()
    expect(page.get_by_test_id("stars-input")).to_be_visible()
    expect(page.locator("#premium-part")).to_be_hidden()
    assert page.errors == []  # type: ignore[attr-defined]
