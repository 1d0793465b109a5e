"""What an attacker gets from the REST API: forged or future initData, inexact money, bodies sent without
credentials, a shop that is only partly a sandbox. Each answer is a clear 4xx and nothing changes."""

import time
from urllib.parse import quote

import attrs
import httpx
import pytest
from litestar.testing import AsyncTestClient

from starshop.adapters.sqla.migrate import upgrade
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.auth import SANDBOX_BOT_TOKEN, init_data_for
from tests.support import free_port, serving

from .test_web_api import ALICE, BOT_TOKEN, OPERATOR_KEY, tma
from .test_web_api import api as api  # the fixture

OP = {"X-API-Key": OPERATOR_KEY}


async def history_total(api) -> int:
    return (await api.get("/api/v1/transactions", headers=tma())).json()["total"]


@pytest.mark.parametrize(
    "amount",
    ["1e3", " 5 ", "5 ", "1_0", "5.", ".5", "+5", "-5", "\uff11\uff10", "\u0665", "0x10", "NaN", "Infinity", "05", ""],
)
async def test_a_money_string_that_is_not_an_exact_decimal_gets_422_and_creates_nothing(api, amount):
    answer = await api.post("/api/v1/recharges", json={"amount": amount}, headers=tma() | {"Idempotency-Key": "m"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "validation_error"
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["amount"]
    assert await history_total(api) == 0


@pytest.mark.parametrize("amount", ["5\n", "5.00\n", "5\r\n"])
async def test_a_money_string_with_a_trailing_line_break_gets_422_and_creates_nothing(api, amount):
    answer = await api.post("/api/v1/recharges", json={"amount": amount}, headers=tma() | {"Idempotency-Key": "n"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] in ("validation_error", "invalid_money")
    assert await history_total(api) == 0


@pytest.mark.parametrize("stars", ["100", 100.0, 100.5, True, None, [100], 10**30])
async def test_a_star_count_that_is_not_a_json_integer_gets_422(api, stars):
    answer = await api.post(
        "/api/v1/purchases",
        json={"stars": stars, "recipient": "@bob_gift"},
        headers=tma() | {"Idempotency-Key": "s"},
    )
    assert answer.status_code == 422
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["stars"]


async def test_an_exact_amount_is_accepted(api):
    answer = await api.post("/api/v1/recharges", json={"amount": "10.5"}, headers=tma() | {"Idempotency-Key": "ok"})
    assert answer.status_code == 201
    assert answer.json()["amount"] == "10.50"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/admin/users/4242/bonus", {"amount": "not money"}),
        ("POST", "/api/v1/admin/users/4242/adjustments", {"nonsense": True}),
        ("POST", "/api/v1/admin/purchases/abc/resolve", {"outcome": "maybe"}),
        ("GET", "/api/v1/admin/transactions?page=zero&status=weird", None),
        ("POST", "/api/v1/recharges", {"amount": 1e3}),
        ("POST", "/api/v1/purchases", {"stars": "many"}),
        ("GET", "/api/v1/quote?stars=lots", None),
    ],
)
async def test_without_credentials_every_route_answers_401_whatever_the_body(api, method, path, body):
    answer = await api.request(method, path, json=body, headers={"Idempotency-Key": "k"})
    assert answer.status_code == 401
    assert "fields" not in answer.json()["error"]


async def test_a_wrong_operator_key_gets_403_before_the_body_is_read(api):
    answer = await api.post("/api/v1/admin/users/4242/bonus", json={"amount": "x"}, headers={"X-API-Key": "nope"})
    assert answer.status_code == 403


async def test_init_data_dated_more_than_a_minute_ahead_is_refused(api):
    ahead = await api.get("/api/v1/balance", headers=tma(auth_date=int(time.time()) + 600))
    assert ahead.status_code == 401
    assert "future" in ahead.json()["error"]["message"]
    skewed = await api.get("/api/v1/balance", headers=tma(auth_date=int(time.time()) + 30))
    assert skewed.status_code == 200


@pytest.mark.parametrize("user_id", [2**53 + 1, 2**63, 2**70, 0, -5])
async def test_a_user_id_outside_telegrams_range_gets_401_not_500(api, user_id):
    answer = await api.get("/api/v1/me", headers=tma({"id": user_id, "first_name": "X"}))
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"


def real_shop(**overrides: object) -> Settings:
    """A shop with real Heleket (and, unless overridden, real Fragment) keys and no bot token."""
    values: dict[str, object] = {
        "heleket_merchant": "merchant-uuid",
        "heleket_payment_key": Secret("payment-key"),
        "heleket_url": "http://127.0.0.1:9",
        "fragment_seed": Secret("seed words"),
        "fragment_url": "http://127.0.0.1:9",
        "public_url": "https://shop.example",
        "api_keys": frozenset({Secret(OPERATOR_KEY)}),
    }
    return Settings(**(values | overrides))


@pytest.mark.parametrize(
    "settings",
    [real_shop(env="production"), real_shop(), real_shop(fragment_seed=None)],
    ids=["production", "development-with-real-keys", "real-payments-sandbox-delivery"],
)
async def test_the_public_sandbox_token_is_trusted_nowhere_but_a_whole_sandbox(settings, sqlite_url):
    import websockets

    port = free_port()
    settings = attrs.evolve(settings, database_url=sqlite_url, port=port)
    await upgrade(sqlite_url)
    forged = f"tma {init_data_for(ALICE, SANDBOX_BOT_TOKEN)}"
    app = create_app(build_container(settings), sandbox=settings.sandbox)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        answer = await client.get("/api/v1/balance", headers={"Authorization": forged})
        assert answer.status_code == 401
        assert "STARSHOP_BOT_TOKEN" in answer.json()["error"]["message"]
        spend = await client.post(
            "/api/v1/purchases",
            json={"stars": 100, "recipient": "@bob_gift"},
            headers={"Authorization": forged, "Idempotency-Key": "steal"},
        )
        assert spend.status_code == 401
        assert (await client.get("/sandbox/login")).status_code == 404
        socket_url = url.replace("http://", "ws://") + "/api/v1/events?auth=" + quote(forged)
        with pytest.raises(websockets.exceptions.InvalidStatus, match="403"):
            async with websockets.connect(socket_url):
                pass


async def test_a_whole_sandbox_still_signs_in_with_the_sandbox_token(sqlite_url):
    settings = Settings(database_url=sqlite_url)
    await upgrade(sqlite_url)
    app = create_app(build_container(settings), sandbox=settings.sandbox)
    async with AsyncTestClient(app) as client:
        login = await client.get("/sandbox/login", params={"user_id": 42, "username": "alice"})
        assert login.status_code == 200
        me = await client.get("/api/v1/me", headers={"Authorization": login.json()["authorization"]})
        assert me.status_code == 200
        assert me.json()["user_id"] == 42


async def test_sandbox_login_answers_an_error_status_when_it_will_not_sign(sqlite_url):
    settings = Settings(database_url=sqlite_url, bot_token=Secret(BOT_TOKEN))
    await upgrade(sqlite_url)
    app = create_app(build_container(settings), sandbox=settings.sandbox)
    async with AsyncTestClient(app) as client:
        answer = await client.get("/sandbox/login")
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "not_sandbox"
        for bad in ({"user_id": 0}, {"user_id": 2**60}, {"username": "x" * 200}, {"language": "<script>"}):
            assert (await client.get("/sandbox/login", params=bad)).status_code == 422
