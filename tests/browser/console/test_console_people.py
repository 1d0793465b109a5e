"""People and money: find a user by username, grant a bonus (a double click is one credit), a refused adjustment
changes nothing, and the transaction finder finds by order id and by status."""

from __future__ import annotations

from . import shop
from .conftest import ARTIFACTS, OPERATOR_KEY
from .test_console_dashboard import sign_in


def people(page, server: str) -> None:
    sign_in(page, server)
    page.get_by_test_id("kpi-sales").wait_for()
    page.get_by_role("link", name="People and money").click()
    page.get_by_test_id("user-search").wait_for()


def find(page, query: str):
    page.get_by_test_id("user-search").fill(query)
    page.get_by_test_id("user-search-submit").click()
    card = page.get_by_test_id("user-card")
    card.wait_for()
    return card


def journal(operator, user_id: int) -> list[tuple[str, str, str]]:
    rows = operator.get("/api/v1/admin/transactions", params={"user_id": user_id, "page_size": 100}).json()["items"]
    return sorted((t["type"], t["amount"], t["description"]) for t in rows)


def test_an_operator_finds_a_user_by_username_and_sees_balance_and_history(page, server, operator):
    who = shop.user(server, 7001, "Finder_Fay")
    shop.top_up(server, who, "12.50", "people-r1")
    shop.buy(server, who, 50, "@some_friend", "people-b1")
    people(page, server)
    card = find(page, "@finder_FAY")
    assert card.get_attribute("data-user-id") == "7001"
    assert "@Finder_Fay" in card.inner_text()
    balance = operator.get("/api/v1/admin/users/7001").json()["balance"]
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=user-history] [data-testid=tx-row]').length == 2"
    )
    assert card.get_by_test_id("user-balance").inner_text() == f"{balance['amount']} USD"
    assert card.get_by_test_id("user-available").inner_text() == f"{balance['available']} USD"
    assert card.get_by_test_id("user-held").inner_text() == f"{balance['held']} USD"
    kinds = card.get_by_test_id("user-history").get_by_test_id("tx-row").all_inner_texts()
    assert "purchase" in kinds[0] and "recharge" in kinds[1]
    page.screenshot(path=str(ARTIFACTS / "people-user.png"), full_page=True)

    page.get_by_test_id("user-search").fill("@nobody_here")
    page.get_by_test_id("user-search-submit").click()
    page.get_by_test_id("user-none").wait_for()
    page.get_by_test_id("user-search").fill("alice smith")
    page.get_by_test_id("user-search-submit").click()
    page.get_by_text("Refused: ").wait_for()


def test_a_double_clicked_bonus_is_one_credit_with_one_key(page, server, operator):
    operator.get("/api/v1/me", headers=shop.user(server, 7002, "Bonus_Ben"))
    people(page, server)
    card = find(page, "bonus_ben")
    keys: list[str] = []
    page.on(
        "request",
        lambda r: (
            keys.append(r.headers.get("idempotency-key", "")) if r.method == "POST" and "/bonus" in r.url else None
        ),
    )
    card.get_by_test_id("bonus-amount").fill("4.25")
    card.get_by_test_id("bonus-reason").fill("sorry for the wait")
    card.get_by_test_id("bonus-submit").dblclick()
    card.get_by_test_id("bonus-message").get_by_text("Done: bonus 4.25 USD").wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=user-balance]')?.textContent == '4.25 USD'")
    page.wait_for_timeout(300)
    assert keys and len(set(keys)) == 1 and keys[0].startswith("bonus-"), keys
    assert journal(operator, 7002) == [("bonus", "4.25", "sorry for the wait")]
    assert operator.get("/api/v1/admin/users/7002").json()["balance"]["amount"] == "4.25"
    assert operator.get("/api/v1/admin/audit").json()["ok"] is True
    page.screenshot(path=str(ARTIFACTS / "people-bonus.png"), full_page=True)

    card.get_by_test_id("bonus-amount").fill("4.25")
    card.get_by_test_id("bonus-reason").fill("sorry for the wait")
    card.get_by_test_id("bonus-submit").click()  # a new intent: a new key, a second credit
    card.get_by_test_id("bonus-message").get_by_text("Done: bonus 4.25 USD").wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=user-balance]')?.textContent == '8.50 USD'")
    assert len(set(keys)) == 2
    assert len(journal(operator, 7002)) == 2


def test_a_refused_adjustment_says_why_and_leaves_the_balance_unchanged(page, server, operator):
    who = shop.user(server, 7003, "Adjust_Ada")
    shop.top_up(server, who, "5.00", "people-r3")
    before = journal(operator, 7003)
    people(page, server)
    card = find(page, "7003")
    card.get_by_test_id("adjust-amount").fill("-6.00")
    card.get_by_test_id("adjust-reason").fill("chargeback")
    card.get_by_test_id("adjust-submit").click()
    message = card.get_by_test_id("adjust-message")
    message.get_by_text("Refused: the user's available funds are short by 1.00").wait_for()
    assert "Nothing was changed" in message.inner_text()
    page.screenshot(path=str(ARTIFACTS / "people-refused.png"), full_page=True)
    card.get_by_test_id("bonus-amount").fill("5000")
    card.get_by_test_id("bonus-reason").fill("too generous")
    card.get_by_test_id("bonus-submit").click()
    card.get_by_test_id("bonus-message").get_by_text("above the operator ceiling").wait_for()
    card.get_by_test_id("adjust-reason").fill("")
    card.get_by_test_id("adjust-amount").fill("-1.00")
    card.get_by_test_id("adjust-submit").click()
    message.get_by_text("Say why").wait_for()
    assert card.get_by_test_id("user-balance").inner_text() == "5.00 USD"
    assert operator.get("/api/v1/admin/users/7003").json()["balance"]["amount"] == "5.00"
    assert journal(operator, 7003) == before


def test_the_transaction_finder_finds_by_order_id_and_by_status(page, server, operator):
    who = shop.user(server, 7004, "Order_Olga")
    shop.top_up(server, who, "9.00", "people-r4")
    unpaid = operator.post("/api/v1/recharges", json={"amount": "3.00"}, headers=who | {"Idempotency-Key": "people-r5"})
    assert unpaid.status_code == 201, unpaid.text
    rows = operator.get("/api/v1/admin/transactions", params={"user_id": 7004}).json()["items"]
    paid = next(t for t in rows if t["status"] == "completed")
    pending = next(t for t in rows if t["status"] == "pending")
    people(page, server)
    page.get_by_test_id("tx-search-order").fill(paid["order_id"])
    page.get_by_test_id("tx-search-submit").click()
    results = page.get_by_test_id("tx-results")
    results.get_by_test_id("tx-row").first.wait_for()
    assert [r.get_attribute("data-id") for r in results.get_by_test_id("tx-row").all()] == [paid["id"]]
    assert "1 in all" in results.get_by_test_id("page-info").inner_text()

    page.get_by_test_id("tx-search-order").fill("")
    page.get_by_test_id("tx-search-status").select_option("pending")
    page.get_by_test_id("tx-search-type").select_option("recharge")
    page.get_by_test_id("tx-search-submit").click()
    page.wait_for_function(
        f"() => document.querySelector(\"[data-testid=tx-results] [data-id='{pending['id']}']\") !== null"
    )
    shown = [r.get_attribute("data-id") for r in results.get_by_test_id("tx-row").all()]
    expected = operator.get(
        "/api/v1/admin/transactions", params={"status": "pending", "type": "recharge", "page_size": 10}
    ).json()["items"]
    assert shown == [t["id"] for t in expected]
    assert paid["id"] not in shown
    page.screenshot(path=str(ARTIFACTS / "people-transactions.png"), full_page=True)

    results.get_by_test_id("tx-row").filter(has_text=pending["id"]).get_by_role("button", name="7004").click()
    page.get_by_test_id("user-card").wait_for()
    assert page.get_by_test_id("user-card").get_attribute("data-user-id") == "7004"
    assert OPERATOR_KEY not in page.url
