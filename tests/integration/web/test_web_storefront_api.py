"""What the storefront reads besides the core API: the shop's bounds and suggested amounts, and one of the caller's
own transactions (a purchase's status with its provider reference or the reason it was refused)."""

import asyncio

import httpx
import pytest

from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings, WorkerSettings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.auth import init_data_for
from starshop.entrypoints.worker import worker_pieces
from tests.support import free_port, serving

BOT_TOKEN = "123456:test-bot-token"
ALICE = {"id": 4242, "username": "alice", "first_name": "Alice"}
MALLORY = {"id": 6666, "username": "mallory", "first_name": "Mallory"}


def tma(user=ALICE) -> dict[str, str]:
    return {"Authorization": f"tma {init_data_for(user, BOT_TOKEN)}"}


@pytest.fixture
async def api(sqlite_url):
    port = free_port()
    settings = Settings(port=port, bot_token=Secret(BOT_TOKEN), database_url=sqlite_url, max_stars=700)
    container = build_container(settings)
    worker = worker_pieces(container, WorkerSettings(relay_every=0.05, sweep_every=3600))
    app = create_app(container, sandbox=True, pieces=worker)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield client


async def funded(api, amount: str) -> None:
    recharge = await api.post("/api/v1/recharges", json={"amount": amount}, headers=tma() | {"Idempotency-Key": "t"})
    assert (await api.post(f"{recharge.json()['invoice_url']}/pay")).json()["outcome"] == "credited"


async def settled(api, tx_id: str) -> dict[str, object]:
    for _ in range(100):
        tx = (await api.get(f"/api/v1/transactions/{tx_id}", headers=tma())).json()
        if tx["status"] not in ("pending", "processing"):
            return tx
        await asyncio.sleep(0.05)
    raise AssertionError(f"{tx_id} never settled")


async def test_the_shop_tells_its_bounds_and_the_amounts_that_fit_them(api):
    answer = await api.get("/api/v1/shop", headers=tma())
    assert answer.status_code == 200
    assert answer.json() == {
        "currency": "USD",
        "min_stars": 50,
        "max_stars": 700,
        "star_amounts": [50, 100, 250, 500],
        "min_recharge": "1.00",
        "max_recharge": "10000.00",
        "recharge_amounts": ["5", "10", "25", "50", "100"],
        "price_per_star": "0.015",
        "markup": "0.10",
        "sales_paused": False,
        "maintenance_message": None,
        "premium": [],  # not sold: STARSHOP_PREMIUM_PRICES is unset
    }
    assert (await api.get("/api/v1/shop")).status_code == 401


async def test_a_delivered_purchase_shows_its_reference_and_a_refused_one_its_reason(api):
    await funded(api, "10.00")
    bought = await api.post(
        "/api/v1/purchases", json={"stars": 100, "recipient": "@bob_gift"}, headers=tma() | {"Idempotency-Key": "b"}
    )
    refused = await api.post(
        "/api/v1/purchases", json={"stars": 50, "recipient": "@refuse_me"}, headers=tma() | {"Idempotency-Key": "r"}
    )
    delivered = await settled(api, bought.json()["id"])
    assert delivered["status"] == "completed"
    assert delivered["reference"]
    assert "reason" not in delivered
    failed = await settled(api, refused.json()["id"])
    assert failed["status"] == "failed"
    assert failed["reason"]
    assert "reference" not in failed
    history = (await api.get("/api/v1/transactions", headers=tma())).json()["items"]
    assert {tx["id"]: tx.get("reference") for tx in history}[delivered["id"]] == delivered["reference"]


@pytest.mark.parametrize("tx_id", ["no-such-id", "x" * 64, "..%2Fbalance", "%00", "1 OR 1=1"])
async def test_an_unknown_transaction_is_404_and_an_oversized_id_is_refused(api, tx_id):
    answer = await api.get(f"/api/v1/transactions/{tx_id}", headers=tma())
    assert answer.status_code == 404
    too_long = await api.get(f"/api/v1/transactions/{'x' * 65}", headers=tma())
    assert too_long.status_code in (400, 422)


async def test_another_users_transaction_is_answered_as_unknown(api):
    await funded(api, "5.00")
    mine = (await api.get("/api/v1/transactions", headers=tma())).json()["items"][0]
    assert (await api.get(f"/api/v1/transactions/{mine['id']}", headers=tma())).status_code == 200
    stolen = await api.get(f"/api/v1/transactions/{mine['id']}", headers=tma(MALLORY))
    assert stolen.status_code == 404
    assert stolen.json()["error"]["code"] == "unknown_transaction"
    forged = tma()["Authorization"].replace("alice", "mallory")
    assert (await api.get(f"/api/v1/transactions/{mine['id']}", headers={"Authorization": forged})).status_code == 401


async def test_the_schema_declares_how_each_route_authenticates_and_the_idempotency_key_it_needs(api):
    schema = (await api.get("/api/v1/schema/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tma"] == {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "description": schemes["tma"]["description"],
    }
    assert (schemes["operatorKey"]["name"], schemes["operatorKey"]["in"]) == ("X-API-Key", "header")
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/purchases", "post"),
        ("/api/v1/shop", "get"),
        ("/api/v1/transactions/{tx_id}", "get"),
    ]:
        assert paths[path][method]["security"] == [{"tma": []}], path
    assert paths["/api/v1/admin/audit"]["get"]["security"] == [{"operatorKey": []}]
    for path in ("/api/v1/purchases", "/api/v1/recharges", "/api/v1/admin/users/{user_id}/bonus"):
        [key] = [p for p in paths[path]["post"]["parameters"] if p["name"] == "Idempotency-Key"]
        assert (key["in"], key["required"], key["schema"]["maxLength"]) == ("header", True, 64)
    assert not any(
        p["name"] == "Idempotency-Key" for p in paths["/api/v1/admin/reconcile"]["post"].get("parameters", [])
    )
