"""Alerts over real HTTP on both stacks, with the bot as production wires it (the fake Bot API): a purchase flagged
for an operator is one alert in the API and exactly one message to each admin; the alert, flagged-recharge and
outbox routes refuse strangers and malformed requests and change nothing then."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import httpx
import pytest

from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.ioc.telegram import make_bot_parts
from starshop.entrypoints.runtime import closing
from starshop.entrypoints.settings import Secret, Settings, WorkerSettings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.auth import init_data_for
from starshop.entrypoints.worker import worker_pieces
from starshop.testing.fakes import FakeBotApi
from tests.support import free_port, serving

TOKEN = "42:ALERTS-TOKEN"
OP = {"X-API-Key": "operator-key-0123456789"}
ADMINS = (901, 902)
ALICE = {"id": 4343, "username": "alice", "first_name": "Alice"}


def tma() -> dict[str, str]:
    return {"Authorization": f"tma {init_data_for(ALICE, TOKEN)}"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def api(stack: dict[str, Any], fake: FakeBotApi) -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    settings = Settings(
        port=port,
        bot_token=Secret(TOKEN),
        telegram_url=fake.url,
        admin_ids=frozenset(ADMINS),
        api_keys=frozenset({Secret(OP["X-API-Key"])}),
        delivery_lookup_after=1.0,
        delivery_unknown_deadline=1.0,
        rate_limits={},
        **stack,  # type: ignore[arg-type]
    )
    parts = make_bot_parts(settings.sections().bot)  # type: ignore[arg-type]
    container = build_container(settings, bot=parts)
    worker = worker_pieces(container, WorkerSettings(relay_every=0.05, sweep_every=0.2))
    app = create_app(container, sandbox=True, pieces=[partial(closing, parts.close), *worker])
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        await client.get("/api/v1/me", headers=tma())
        seeded = await client.post(
            "/api/v1/admin/users/4343/bonus",
            json={"amount": "5.00", "reason": "t"},
            headers=OP | {"Idempotency-Key": "s"},
        )
        assert seeded.status_code == 201, seeded.text
        yield client


async def eventually(check: Any, what: str, tries: int = 200) -> Any:
    for _ in range(tries):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(what)


def told(fake: FakeBotApi) -> list[int]:
    return sorted(c.params["chat_id"] for c in fake.calls_to("sendMessage") if int(c.params["chat_id"]) in ADMINS)


async def test_a_flagged_purchase_is_one_alert_and_one_message_to_each_admin(api, fake):
    bought = await api.post(
        "/api/v1/purchases", json={"stars": 100, "recipient": "lost_gift"}, headers=tma() | {"Idempotency-Key": "b"}
    )
    tx_id = bought.json()["id"]

    async def alerted() -> list[dict[str, Any]]:
        return list((await api.get("/api/v1/admin/alerts", headers=OP)).json()["items"])

    [alert] = await eventually(alerted, "no alert for the flagged purchase")
    await eventually(lambda: asyncio.sleep(0, len(told(fake)) == len(ADMINS)), "the admins were not told")
    await asyncio.sleep(1.0)  # several more sweeps and relays: nothing more
    assert told(fake) == [int(a) for a in sorted(ADMINS)]
    message = next(c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == ADMINS[0])
    assert tx_id in message.params["text"]
    assert (alert["kind"], alert["subject"], alert["user_id"], alert["acknowledged_at"]) == (
        "flagged",
        tx_id,
        4343,
        None,
    )
    assert len(await alerted()) == 1

    ack = f"/api/v1/admin/alerts/{alert['id']}/ack"
    assert (await api.post(ack)).status_code == 401
    assert (await api.post(ack, headers={"X-API-Key": "wrong"})).status_code == 403
    assert (await api.post(ack, headers=tma())).status_code in (401, 403)
    unseen = (await api.get("/api/v1/admin/alerts", params={"unacknowledged": "true"}, headers=OP)).json()["items"]
    assert [a["id"] for a in unseen] == [alert["id"]]  # the refused calls changed nothing
    seen = await api.post(ack, headers=OP)
    assert seen.status_code == 200, seen.text
    assert seen.json()["acknowledged_at"] is not None
    assert (await api.post(ack, headers=OP)).json() == seen.json()  # again: the same answer
    assert (await api.get("/api/v1/admin/alerts", params={"unacknowledged": "true"}, headers=OP)).json()["items"] == []


MALFORMED = [
    ("post", "/api/v1/admin/alerts/0/ack", 422),
    ("post", "/api/v1/admin/alerts/-3/ack", 422),
    ("post", "/api/v1/admin/alerts/abc/ack", 404),
    ("post", "/api/v1/admin/alerts/99999/ack", 404),
    ("post", "/api/v1/admin/alerts/99999999999999999999999/ack", 422),
    ("get", "/api/v1/admin/alerts?limit=0", 422),
    ("get", "/api/v1/admin/alerts?limit=100000", 422),
    ("get", "/api/v1/admin/alerts?unacknowledged=maybe", 422),
    ("get", "/api/v1/admin/recharges/flagged?limit=0", 422),
    ("get", "/api/v1/admin/recharges/nope/webhooks", 404),
    ("get", "/api/v1/admin/recharges/bad%20id%3C/webhooks", 422),
    ("post", "/api/v1/admin/outbox/99999/release", 404),
    ("post", "/api/v1/admin/outbox/0/release", 422),
    ("post", "/api/v1/admin/outbox/x/release", 404),
]
GUARDED = [
    ("get", "/api/v1/admin/alerts"),
    ("post", "/api/v1/admin/alerts/1/ack"),
    ("get", "/api/v1/admin/recharges/flagged"),
    ("get", "/api/v1/admin/recharges/x/webhooks"),
    ("post", "/api/v1/admin/outbox/1/release"),
]


async def test_malformed_and_unknown_requests_are_refused_clearly_and_strangers_are_kept_out(api):
    for method, path, status in MALFORMED:
        answer = await getattr(api, method)(path, headers=OP)
        assert answer.status_code == status, (path, answer.text)
        assert "error" in answer.json()
    for method, path in GUARDED:
        assert (await getattr(api, method)(path)).status_code == 401, path
        assert (await getattr(api, method)(path, headers={"X-API-Key": "not-an-operator"})).status_code == 403, path


async def test_an_underpaid_recharge_is_listed_flagged_with_its_webhook_history(api):
    made = await api.post("/api/v1/recharges", json={"amount": "10.00"}, headers=tma() | {"Idempotency-Key": "r"})
    assert made.status_code == 201, made.text
    paid = await api.post(f"{made.json()['invoice_url']}/underpay")
    assert paid.json()["outcome"] == "flagged", paid.text
    recharge_id = made.json()["id"]

    [item] = (await api.get("/api/v1/admin/recharges/flagged", headers=OP)).json()["items"]
    assert item["recharge"]["id"] == recharge_id
    assert "underpaid" in item["recharge"]["flag"]
    [hook] = item["webhooks"]
    assert (hook["status"], hook["amount"], hook["paid_amount"], hook["currency"]) == (
        "wrong_amount",
        "10.00",
        "5.00",
        "USD",
    )
    assert (hook["signature"], hook["outcome"], hook["applied"], hook["duplicate"], hook["repeats"]) == (
        "valid",
        "flagged",
        True,
        False,
        0,
    )
    one = (await api.get(f"/api/v1/admin/recharges/{recharge_id}/webhooks", headers=OP)).json()
    assert one == item

    forged = await api.post("/webhooks/heleket", content=b'{"order_id": "' + recharge_id.encode() + b'", "sign": "x"}')
    assert forged.status_code in (400, 401)
    assert (await api.get(f"/api/v1/admin/recharges/{recharge_id}/webhooks", headers=OP)).json() == one  # not kept
