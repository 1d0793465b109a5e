"""Operators see the outbox messages set aside (``GET /api/v1/admin/outbox/quarantined``, counted in /metrics),
while the rest of the outbox flows, on the embedded stack and on Postgres and Redis."""

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import insert

from starshop.adapters.sqla.engine import create_engine
from starshop.adapters.sqla.tables import outbox
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.observability import Metrics
from starshop.entrypoints.settings import Secret, Settings, WorkerSettings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.worker import worker_pieces
from tests.support import free_port, serving

from .test_web_api import BOT_TOKEN, OPERATOR_KEY, pay, tma

POISON = {"kind": "gift_wrapped", "user_id": 4242, "tx_id": "from-a-newer-release"}


@pytest.fixture
async def shop(stack):
    port = free_port()
    settings = Settings(port=port, bot_token=Secret(BOT_TOKEN), api_keys=frozenset({Secret(OPERATOR_KEY)}), **stack)
    metrics = Metrics()
    container = build_container(settings, metrics=metrics)
    worker = worker_pieces(container, WorkerSettings(relay_every=0.05, sweep_every=3600))
    app = create_app(container, metrics=metrics, sandbox=True, pieces=worker)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield client, settings.database_url


async def test_a_poison_message_is_listed_for_operators_and_counted_while_payments_still_flow(shop):
    api, database_url = shop
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            row = {"key": "newer:1", "kind": "gift_wrapped", "user_id": 4242, "payload": POISON, "attempts": 0}
            await conn.execute(insert(outbox).values(**row, created_at=datetime.now(UTC)))
    finally:
        await engine.dispose()
    recharge = await api.post("/api/v1/recharges", json={"amount": "5.00"}, headers=tma() | {"Idempotency-Key": "p"})
    await pay(api, recharge.json()["invoice_url"])
    op = {"X-API-Key": OPERATOR_KEY}

    for _ in range(100):
        listed = (await api.get("/api/v1/admin/outbox/quarantined", headers=op)).json()["items"]
        metrics = (await api.get("/metrics")).text
        if listed and "starshop_outbox_pending 0.0" in metrics:
            break
        await asyncio.sleep(0.05)

    [message] = listed
    assert (message["key"], message["kind"], message["user_id"], message["payload"]) == (
        "newer:1",
        "gift_wrapped",
        4242,
        POISON,
    )
    assert "unknown event kind" in message["reason"]
    assert "starshop_outbox_quarantined 1.0" in metrics
    assert "starshop_outbox_pending 0.0" in metrics  # the payment's events were relayed around it
    assert 'starshop_events_total{kind="payment_received"} 1.0' in metrics
    assert (await api.get("/api/v1/admin/outbox/quarantined")).status_code == 401
    assert (await api.get("/api/v1/admin/outbox/quarantined", headers={"X-API-Key": "wrong"})).status_code == 403
    assert (await api.get("/api/v1/admin/outbox/quarantined?limit=0", headers=op)).status_code == 422


async def test_an_operator_releases_a_poison_message_and_strangers_change_nothing(shop):
    api, database_url = shop
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            row = {"key": "newer:2", "kind": "gift_wrapped", "user_id": 4242, "payload": POISON, "attempts": 0}
            await conn.execute(insert(outbox).values(**row, created_at=datetime.now(UTC)))
    finally:
        await engine.dispose()
    op = {"X-API-Key": OPERATOR_KEY}

    async def listed() -> list[dict[str, object]]:
        return list((await api.get("/api/v1/admin/outbox/quarantined", headers=op)).json()["items"])

    for _ in range(100):
        if await listed():
            break
        await asyncio.sleep(0.05)
    [message] = await listed()
    release = f"/api/v1/admin/outbox/{message['id']}/release"
    assert (await api.post(release)).status_code == 401
    assert (await api.post(release, headers={"X-API-Key": "wrong"})).status_code == 403
    assert (await api.post(release, headers=tma())).status_code in (401, 403)
    assert await listed() == [message]  # refused: still set aside, untouched

    released = await api.post(release, headers=op)
    assert released.status_code == 200, released.text
    assert released.json() == {"id": message["id"], "state": "released"}
    for _ in range(100):  # this release still cannot read it: the relay sets it aside again, as stored
        again = await listed()
        if again and again[0]["attempts"] == 2:
            break
        await asyncio.sleep(0.05)
    assert (again[0]["id"], again[0]["payload"], again[0]["attempts"]) == (message["id"], POISON, 2)
