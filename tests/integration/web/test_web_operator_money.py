"""Operator money routes over real HTTP on both stacks: an Idempotency-Key as on the user routes, and a ceiling."""

import asyncio

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
BONUS = "/api/v1/admin/users/4242/bonus"
ADJUST = "/api/v1/admin/users/4242/adjustments"


def op(key: str | None = None) -> dict[str, str]:
    return {"X-API-Key": OPERATOR_KEY} | ({"Idempotency-Key": key} if key is not None else {})


@pytest.fixture
async def api(stack):
    port = free_port()
    settings = Settings(port=port, bot_token=Secret(BOT_TOKEN), api_keys=frozenset({Secret(OPERATOR_KEY)}), **stack)
    app = create_app(build_container(settings), sandbox=True)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        me = await client.get("/api/v1/me", headers={"Authorization": f"tma {init_data_for(ALICE, BOT_TOKEN)}"})
        assert me.status_code == 200
        yield client


async def ledger(api) -> tuple[str, list[tuple[str, str]]]:
    """Alice's balance and her journal rows (type, amount), as an operator sees them."""
    balance = (await api.get("/api/v1/admin/users/4242", headers=op())).json()["balance"]["amount"]
    rows = (await api.get("/api/v1/admin/transactions", params={"user_id": 4242}, headers=op())).json()["items"]
    return balance, sorted((t["type"], t["amount"]) for t in rows)


@pytest.mark.parametrize("route", [BONUS, ADJUST])
async def test_operator_money_posts_without_an_idempotency_key_are_refused(api, route):
    answer = await api.post(route, json={"amount": "3.00", "reason": "welcome"}, headers=op())
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "idempotency_key_required"
    bad = await api.post(route, json={"amount": "3.00", "reason": "welcome"}, headers=op("no spaces allowed"))
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "idempotency_key_invalid"
    assert await ledger(api) == ("0.00", [])


@pytest.mark.parametrize(("route", "amount", "kind"), [(BONUS, "3.00", "bonus"), (ADJUST, "4.00", "adjustment")])
async def test_a_repeated_operator_post_replays_the_first_answer(api, route, amount, kind):
    first = await api.post(route, json={"amount": amount, "reason": "welcome"}, headers=op("grant-1"))
    again = await api.post(route, json={"amount": amount, "reason": "welcome"}, headers=op("grant-1"))
    assert (first.status_code, again.status_code) == (201, 201)
    assert (first.headers["idempotent-replayed"], again.headers["idempotent-replayed"]) == ("false", "true")
    assert again.json() == first.json()
    assert await ledger(api) == (amount, [(kind, amount)])


@pytest.mark.parametrize(
    "body", [{"amount": "4.00", "reason": "welcome"}, {"amount": "3.00", "reason": "something else"}]
)
async def test_the_same_operator_key_with_another_body_is_a_409_and_nothing_moves(api, body):
    await api.post(BONUS, json={"amount": "3.00", "reason": "welcome"}, headers=op("grant-1"))
    other = await api.post(BONUS, json=body, headers=op("grant-1"))
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    as_adjustment = await api.post(ADJUST, json={"amount": "3.00", "reason": "welcome"}, headers=op("grant-1"))
    assert as_adjustment.status_code == 409
    assert await ledger(api) == ("3.00", [("bonus", "3.00")])


async def test_an_operator_key_is_not_the_users_own_key(api):
    user = {"Authorization": f"tma {init_data_for(ALICE, BOT_TOKEN)}", "Idempotency-Key": "shared-1"}
    assert (await api.post("/api/v1/recharges", json={"amount": "5.00"}, headers=user)).status_code == 201
    bonus = await api.post(BONUS, json={"amount": "2.00", "reason": "r"}, headers=op("shared-1"))
    assert (bonus.status_code, bonus.headers["idempotent-replayed"]) == (201, "false")


@pytest.mark.parametrize(
    ("route", "amount"),
    [(BONUS, "1000.01"), (BONUS, "99999999999"), (ADJUST, "1000.01"), (ADJUST, "-1000.01")],
)
async def test_operator_amounts_above_the_ceiling_are_refused_and_nothing_moves(api, route, amount):
    answer = await api.post(route, json={"amount": amount, "reason": "r"}, headers=op("big"))
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "operator_limit_exceeded"
    assert "1000.00 USD" in answer.json()["error"]["message"]
    assert await ledger(api) == ("0.00", [])


async def test_the_ceiling_itself_is_allowed(api):
    answer = await api.post(BONUS, json={"amount": "1000", "reason": "r"}, headers=op("at-ceiling"))
    assert answer.status_code == 201
    assert await ledger(api) == ("1000.00", [("bonus", "1000.00")])


@pytest.mark.parametrize("amount", ["1e3", "1E2", "0x10", " 5", "5.001", "NaN", "Infinity", "1_000", "\u0665"])
async def test_operator_amounts_are_plain_decimals_in_the_shop_currency(api, amount):
    answer = await api.post(BONUS, json={"amount": amount, "reason": "r"}, headers=op(f"odd-{abs(hash(amount))}"))
    assert answer.status_code == 422
    # not an exact decimal string: the body's validation; too many decimals for the currency: the money's own rule
    assert answer.json()["error"]["code"] == ("invalid_money" if amount == "5.001" else "validation_error")
    assert await ledger(api) == ("0.00", [])


@pytest.mark.parametrize("route", [BONUS, ADJUST])
async def test_twenty_concurrent_operator_posts_with_one_key_move_money_once(api, route):
    body = {"amount": "2.00", "reason": "race"}
    answers = await asyncio.gather(*(api.post(route, json=body, headers=op("race-1")) for _ in range(20)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sorted(a.headers["idempotent-replayed"] for a in answers) == ["false"] + ["true"] * 19
    kind = "bonus" if route == BONUS else "adjustment"
    assert await ledger(api) == ("2.00", [(kind, "2.00")])
