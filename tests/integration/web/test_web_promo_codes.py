"""Promo codes over real HTTP on both stacks: operators create, list and disable; users redeem a bonus code with an
Idempotency-Key and give a discount code to the quote and the purchase. Every refusal is a clear error that
changes nothing; odd input (oversized, other scripts, spaces) is refused before any lookup."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.auth import init_data_for
from tests.support import free_port, serving

BOT_TOKEN = "123456:test-bot-token"
OPERATOR_KEY = "operator-key-0123456789"
ALICE = {"id": 4242, "username": "alice", "first_name": "Alice", "language_code": "en"}
CODES = "/api/v1/admin/promo-codes"
OP = {"X-API-Key": OPERATOR_KEY}


def redeem_path(code: str) -> str:
    return f"/api/v1/promo-codes/{code}/redeem"


@pytest.fixture
async def api(stack):
    port = free_port()
    settings = Settings(port=port, bot_token=Secret(BOT_TOKEN), api_keys=frozenset({Secret(OPERATOR_KEY)}), **stack)
    app = create_app(build_container(settings), sandbox=True)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        client.headers["Authorization"] = f"tma {init_data_for(ALICE, BOT_TOKEN)}"
        assert (await client.get("/api/v1/me")).status_code == 200
        yield client


async def alice(api) -> tuple[str, list[tuple[str, str]]]:
    balance = (await api.get("/api/v1/admin/users/4242", headers=OP)).json()["balance"]["amount"]
    rows = (await api.get("/api/v1/admin/transactions", params={"user_id": 4242}, headers=OP)).json()["items"]
    return balance, sorted((t["type"], t["amount"]) for t in rows)


async def create(api, **body) -> httpx.Response:
    return await api.post(CODES, json=body, headers=OP)


async def test_an_operator_creates_lists_and_disables_codes(api):
    made = await create(api, code="Welcome5", kind="bonus", amount="5.00", max_uses=100)
    assert made.status_code == 201, made.text
    assert made.json() | {"created_at": "-"} == {
        "code": "WELCOME5",
        "kind": "bonus",
        "currency": "USD",
        "amount": "5.00",
        "percent": None,
        "max_discount": None,
        "max_uses": 100,
        "uses": 0,
        "once_per_user": True,
        "expires_at": None,
        "disabled_at": None,
        "created_at": "-",
    }
    until = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    discount = await create(api, code="SPRING", kind="discount", percent="15", max_discount="2.00", expires_at=until)
    assert discount.status_code == 201, discount.text
    assert (discount.json()["percent"], discount.json()["max_discount"]) == ("15", "2.00")
    again = await create(api, code="welcome5", kind="bonus", amount="1.00")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "promo_code_exists")
    listed = (await api.get(CODES, headers=OP)).json()
    assert {c["code"] for c in listed["items"]} == {"SPRING", "WELCOME5"}
    off = await api.post(f"{CODES}/welcome5/disable", headers=OP)
    assert off.status_code == 200
    assert off.json()["disabled_at"] is not None
    refused = await api.post(redeem_path("WELCOME5"), headers={"Idempotency-Key": "r1"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (410, "promo_code_disabled")
    assert await alice(api) == ("0.00", [])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "X", "kind": "bonus", "amount": "1.00"}, None),  # too short: promo_code_invalid
        ({"code": "\u0422\u0415\u0421\u042210", "kind": "bonus", "amount": "1.00"}, None),  # Cyrillic look-alikes
        ({"code": "A" * 65, "kind": "bonus", "amount": "1.00"}, "code"),
        ({"code": "FREE", "kind": "bonus", "amount": "1e3"}, "amount"),
        ({"code": "FREE", "kind": "bonus"}, None),  # a bonus without an amount
        ({"code": "FREE", "kind": "discount", "percent": "100", "max_discount": "1.00"}, "percent"),
        ({"code": "FREE", "kind": "discount", "percent": "10"}, None),  # no cap
        ({"code": "FREE", "kind": "bonus", "amount": "1.00", "max_uses": 0}, "max_uses"),
        ({"code": "FREE", "kind": "bonus", "amount": "1.00", "expires_at": "2020-01-01T00:00:00+00:00"}, None),
        ({"code": "FREE", "kind": "bonus", "amount": "1.00", "expires_at": "2099-01-01T00:00:00"}, "expires_at"),
        ({"code": "FREE", "kind": "bonus", "amount": "5000.00"}, None),  # above the operator ceiling
    ],
)
async def test_a_code_that_makes_no_sense_is_refused_and_nothing_is_stored(api, body, field):
    answer = await create(api, **body)
    assert answer.status_code == 422, answer.text
    if field is not None:
        assert answer.json()["error"]["fields"][0]["field"] == field
    assert (await api.get(CODES, headers=OP)).json()["items"] == []


async def test_a_user_redeems_a_bonus_code_once_and_a_retry_replays_it(api):
    await create(api, code="GIFT", kind="bonus", amount="2.50")
    first = await api.post(redeem_path("gift"), headers={"Idempotency-Key": "r1"})
    again = await api.post(redeem_path("gift"), headers={"Idempotency-Key": "r1"})
    assert (first.status_code, again.status_code) == (201, 201), first.text
    assert (first.headers["idempotent-replayed"], again.headers["idempotent-replayed"]) == ("false", "true")
    assert first.json() == again.json()
    assert (first.json()["type"], first.json()["amount"], first.json()["promo_code"]) == ("promo", "2.50", "GIFT")
    twice = await api.post(redeem_path("GIFT"), headers={"Idempotency-Key": "r2"})
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "promo_code_already_used")
    no_key = await api.post(redeem_path("GIFT"))
    assert (no_key.status_code, no_key.json()["error"]["code"]) == (400, "idempotency_key_required")
    assert await alice(api) == ("2.50", [("promo", "2.50")])
    history = (await api.get("/api/v1/transactions")).json()["items"]
    assert [(t["type"], t["description"]) for t in history] == [("promo", "Promo code GIFT")]


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("NOPE", 404, "promo_code_unknown"),
        ("ONE", 409, "promo_code_used_up"),
        ("SALE", 422, "promo_code_not_applicable"),
        ("gi ft", 422, "promo_code_invalid"),
        ("\uff27\uff29\uff26\uff34", 422, "promo_code_invalid"),
        ("GIFT%00", 422, "promo_code_invalid"),
        ("G" * 64, 422, "promo_code_invalid"),
    ],
)
async def test_a_code_that_cannot_be_redeemed_gets_a_clear_error_and_changes_nothing(api, code, status, error):
    await create(api, code="ONE", kind="bonus", amount="1.00", max_uses=1, once_per_user=False)
    await create(api, code="SALE", kind="discount", percent="10", max_discount="1.00")
    used = await api.post(redeem_path("ONE"), headers={"Idempotency-Key": "someone"})
    assert used.status_code == 201
    answer = await api.post(redeem_path(code), headers={"Idempotency-Key": "r9"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, error), answer.text
    assert await alice(api) == ("1.00", [("promo", "1.00")])


async def test_an_oversized_code_in_the_path_is_refused(api):
    answer = await api.post(redeem_path("G" * 65), headers={"Idempotency-Key": "r1"})
    assert answer.status_code in (400, 422)
    assert await alice(api) == ("0.00", [])


async def test_a_discount_code_lowers_the_quote_and_the_purchase_once(api):
    await create(api, code="HALF", kind="discount", percent="50", max_discount="0.60", max_uses=10)
    await api.post(
        "/api/v1/admin/users/4242/bonus", json={"amount": "5.00", "reason": "r"}, headers=OP | {"Idempotency-Key": "b"}
    )
    plain = (await api.get("/api/v1/quote", params={"stars": 100})).json()
    quote = (await api.get("/api/v1/quote", params={"stars": 100, "promo_code": "half"})).json()
    assert "promo_code" not in plain
    assert (plain["price"], quote["price"], quote["discount"], quote["promo_code"]) == ("1.65", "1.05", "0.60", "HALF")
    body = {"stars": 100, "recipient": "@gift_one", "promo_code": "half"}
    bought = await api.post("/api/v1/purchases", json=body, headers={"Idempotency-Key": "p1"})
    assert bought.status_code == 201, bought.text
    assert (bought.json()["amount"], bought.json()["discount"], bought.json()["promo_code"]) == ("1.05", "0.60", "HALF")
    replay = await api.post("/api/v1/purchases", json=body, headers={"Idempotency-Key": "p1"})
    assert replay.json() == bought.json()
    other = await api.post("/api/v1/purchases", json=body | {"promo_code": None}, headers={"Idempotency-Key": "p1"})
    assert (other.status_code, other.json()["error"]["code"]) == (409, "idempotency_conflict")
    again = await api.post("/api/v1/purchases", json=body, headers={"Idempotency-Key": "p2"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "promo_code_already_used")
    quoted = await api.get("/api/v1/quote", params={"stars": 100, "promo_code": "HALF"})
    assert (quoted.status_code, quoted.json()["error"]["code"]) == (409, "promo_code_already_used")
    unknown = await api.get("/api/v1/quote", params={"stars": 100, "promo_code": "NOPE"})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "promo_code_unknown")
    [code] = (await api.get(CODES, headers=OP)).json()["items"]
    assert code["uses"] == 1
