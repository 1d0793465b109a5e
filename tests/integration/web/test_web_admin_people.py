"""Operators find people and money over real HTTP on both stacks: a user by id or by username (any case, with or
without @), a transaction by id, order id, invoice uuid, status, type and UTC days; malformed, oversized or foreign
queries are refused (422) and search nothing."""

from __future__ import annotations

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
OP = {"X-API-Key": OPERATOR_KEY}
ALICE = {"id": 4242, "username": "Alice_W", "first_name": "Alice"}
BOB = {"id": 4343, "first_name": "Bob"}
USERS = "/api/v1/admin/users"
TXS = "/api/v1/admin/transactions"


def tma(user: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"tma {init_data_for(user, BOT_TOKEN)}"}


@pytest.fixture
async def api(stack):
    port = free_port()
    settings = Settings(port=port, bot_token=Secret(BOT_TOKEN), api_keys=frozenset({Secret(OPERATOR_KEY)}), **stack)
    app = create_app(build_container(settings), sandbox=True)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        for someone in (ALICE, BOB):
            assert (await client.get("/api/v1/me", headers=tma(someone))).status_code == 200
        yield client


async def found(api: httpx.AsyncClient, query: str) -> list[int]:
    answer = await api.get(USERS, params={"query": query}, headers=OP)
    assert answer.status_code == 200, answer.text
    return [u["user_id"] for u in answer.json()["items"]]


async def test_a_user_is_found_by_id_or_by_username_in_any_case_with_or_without_the_at(api):
    for query in ("4242", " 4242 ", "alice_w", "@ALICE_W", "Alice_W"):
        assert await found(api, query) == [4242], query
    answer = (await api.get(USERS, params={"query": "@alice_w"}, headers=OP)).json()["items"][0]
    assert answer["username"] == "Alice_W"
    assert answer["balance"] == {"amount": "0.00", "held": "0.00", "available": "0.00", "currency": "USD"}
    assert await found(api, "4343") == [4343]
    for nobody in ("alice", "@bob", "4444", "0", "9999999999999999999"):
        assert await found(api, nobody) == [], nobody


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "alice w",
        "@",
        "@@alice_w",
        "alice_w%",
        "a" * 33,
        "x" * 65,
        "\u0664\u0662\u0664\u0662",
        "алиса",
        "4242\x00",
    ],
)
async def test_a_query_that_is_neither_an_id_nor_a_username_is_refused(api, query):
    answer = await api.get(USERS, params={"query": query}, headers=OP)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] in ("validation_error", "invalid_query")
    assert "alice" not in answer.text.lower().replace(query.lower(), "")


async def test_only_operators_find_users(api):
    assert (await api.get(USERS, params={"query": "4242"})).status_code == 401
    assert (await api.get(USERS, params={"query": "4242"}, headers={"X-API-Key": "nope"})).status_code in (401, 403)
    assert (await api.get(USERS, params={"query": "4242"}, headers=tma(ALICE))).status_code in (401, 403)


async def ids(api: httpx.AsyncClient, **params: object) -> list[str]:
    answer = await api.get(TXS, params=params, headers=OP)
    assert answer.status_code == 200, answer.text
    return [t["id"] for t in answer.json()["items"]]


async def test_a_transaction_is_found_by_id_order_id_invoice_uuid_status_type_and_day(api):
    first = await api.post("/api/v1/recharges", json={"amount": "10.00"}, headers=tma(ALICE) | {"Idempotency-Key": "a"})
    assert (await api.post(f"{first.json()['invoice_url']}/pay")).json()["outcome"] == "credited"
    await api.post("/api/v1/recharges", json={"amount": "7.00"}, headers=tma(BOB) | {"Idempotency-Key": "b"})
    rows = (await api.get(TXS, headers=OP)).json()["items"]
    paid = next(t for t in rows if t["user_id"] == 4242)
    unpaid = next(t for t in rows if t["user_id"] == 4343)
    assert paid["order_id"] and paid["invoice_uuid"] and paid["status"] == "completed"

    assert await ids(api, id=paid["id"]) == [paid["id"]]
    assert await ids(api, order_id=paid["order_id"]) == [paid["id"]]
    assert await ids(api, invoice_uuid=unpaid["invoice_uuid"]) == [unpaid["id"]]
    assert await ids(api, status="completed", type="recharge") == [paid["id"]]
    assert await ids(api, status="pending", order_id=paid["order_id"]) == []
    today = datetime.now(UTC).date()
    assert set(await ids(api, **{"from": today.isoformat(), "to": today.isoformat()})) == {paid["id"], unpaid["id"]}
    assert await ids(api, to=(today - timedelta(days=1)).isoformat()) == []
    assert await ids(api, **{"from": (today + timedelta(days=1)).isoformat()}) == []


@pytest.mark.parametrize(
    "params",
    [
        {"id": "x" * 65},
        {"order_id": "a b"},
        {"invoice_uuid": "\u0664\u0662"},
        {"order_id": ""},
        {"from": "2024-02-30"},
        {"to": "yesterday"},
        {"from": "2024-03-02", "to": "2024-03-01"},
        {"status": "lost"},
    ],
)
async def test_a_malformed_transaction_search_is_refused(api, params):
    answer = await api.get(TXS, params=params, headers=OP)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "validation_error"
