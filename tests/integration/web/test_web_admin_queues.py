"""The operator's queue routes over real HTTP on both stacks: the provider lookup of a purchase (read-only, the one
a verdict is checked with) next to the guarded resolve."""

from __future__ import annotations

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
OP = {"X-API-Key": "operator-key-0123456789"}
LOOKUP_AFTER = 1.0
ALICE = {"id": 4242, "username": "alice", "first_name": "Alice"}


def tma() -> dict[str, str]:
    return {"Authorization": f"tma {init_data_for(ALICE, BOT_TOKEN)}"}


@pytest.fixture
async def api(stack):
    port = free_port()
    settings = Settings(
        port=port,
        bot_token=Secret(BOT_TOKEN),
        api_keys=frozenset({Secret(OP["X-API-Key"])}),
        delivery_lookup_after=LOOKUP_AFTER,
        **stack,
    )
    container = build_container(settings)
    worker = worker_pieces(container, WorkerSettings(relay_every=0.05, sweep_every=3600))
    app = create_app(container, sandbox=True, pieces=worker)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        await client.get("/api/v1/me", headers=tma())
        seeded = await client.post(
            "/api/v1/admin/users/4242/bonus",
            json={"amount": "5.00", "reason": "t"},
            headers=OP | {"Idempotency-Key": "s"},
        )
        assert seeded.status_code == 201
        yield client


async def unknown_purchase(api: httpx.AsyncClient, recipient: str) -> str:
    bought = await api.post(
        "/api/v1/purchases", json={"stars": 100, "recipient": recipient}, headers=tma() | {"Idempotency-Key": recipient}
    )
    tx_id = str(bought.json()["id"])
    for _ in range(100):
        if (await api.get(f"/api/v1/admin/transactions/{tx_id}", headers=OP)).json()["delivery_unknown"]:
            return tx_id
        await asyncio.sleep(0.05)
    raise AssertionError("the delivery never became unknown")


async def test_the_lookup_of_a_purchase_with_no_order_says_refused_is_accepted_once_its_delay_passed(api):
    tx_id = await unknown_purchase(api, "lost_gift")
    before = (await api.get(f"/api/v1/admin/transactions/{tx_id}", headers=OP)).json()
    early = await api.get(f"/api/v1/admin/purchases/{tx_id}/lookup", headers=OP)
    assert early.status_code == 200, early.text
    assert (early.json()["order"], early.json()["accepted_verdict"], early.json()["settleable"]) == (
        None,
        "refused",
        False,
    )
    assert "too recent" in early.json()["why_not"]
    await asyncio.sleep(LOOKUP_AFTER)
    later = (await api.get(f"/api/v1/admin/purchases/{tx_id}/lookup", headers=OP)).json()
    assert (later["settleable"], later["why_not"], later["purchase"]["id"]) == (True, None, tx_id)
    assert (await api.get(f"/api/v1/admin/transactions/{tx_id}", headers=OP)).json() == before
    assert (await api.get("/api/v1/balance", headers=tma())).json()["held"] == "1.65"


async def test_the_lookup_of_a_bought_purchase_names_the_order_the_resolve_accepts(api):
    tx_id = await unknown_purchase(api, "slow_gift")
    await asyncio.sleep(LOOKUP_AFTER)
    lookup = (await api.get(f"/api/v1/admin/purchases/{tx_id}/lookup", headers=OP)).json()
    assert lookup["accepted_verdict"] == "delivered"
    ref_id = lookup["order"]["ref_id"]
    body = {"outcome": "delivered", "reason": "lookup", "ref_id": ref_id}
    settled = await api.post(f"/api/v1/admin/purchases/{tx_id}/resolve", json=body, headers=OP)
    assert (settled.status_code, settled.json()["status"], settled.json()["receipt"]["ref_id"]) == (
        200,
        "completed",
        ref_id,
    )
    after = (await api.get(f"/api/v1/admin/purchases/{tx_id}/lookup", headers=OP)).json()
    assert (after["order"]["ref_id"], after["settleable"]) == (ref_id, False)  # its own order, now recorded


async def test_only_an_operator_looks_up_and_only_a_purchase_handed_to_the_provider(api):
    bonus = (await api.get("/api/v1/admin/transactions", params={"type": "bonus"}, headers=OP)).json()["items"][0]
    not_purchase = await api.get(f"/api/v1/admin/purchases/{bonus['id']}/lookup", headers=OP)
    assert (not_purchase.status_code, not_purchase.json()["error"]["code"]) == (409, "not_settleable")
    missing = await api.get("/api/v1/admin/purchases/nope/lookup", headers=OP)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "unknown_transaction")
    huge = await api.get(f"/api/v1/admin/purchases/{'x' * 5000}/lookup", headers=OP)
    assert huge.status_code in (404, 414)
    assert (await api.get(f"/api/v1/admin/purchases/{bonus['id']}/lookup")).status_code == 401
    assert (await api.get(f"/api/v1/admin/purchases/{bonus['id']}/lookup", headers=tma())).status_code == 403
    assert (
        await api.get(f"/api/v1/admin/purchases/{bonus['id']}/lookup", headers={"X-API-Key": "x"})
    ).status_code == 403
