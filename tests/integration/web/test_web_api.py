"""The REST API end to end over real HTTP: the app under uvicorn on 127.0.0.1, a real database, sandbox adapters."""

import asyncio
import json
import time

import httpx
import pytest

from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.observability import Metrics
from starshop.entrypoints.settings import Secret, Settings, WorkerSettings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.auth import init_data_for, sign_init_data
from starshop.entrypoints.worker import worker_pieces
from tests.support import free_port, serving

BOT_TOKEN = "123456:test-bot-token"
OPERATOR_KEY = "operator-key-0123456789"
OP = {"X-API-Key": OPERATOR_KEY}
LOOKUP_AFTER = 1.0  # seconds: the lookup delay of this suite, so an operator may settle a purchase soon
ALICE = {"id": 4242, "username": "alice", "first_name": "Alice", "language_code": "en"}


def tma(user=ALICE, token=BOT_TOKEN, **kw) -> dict[str, str]:
    return {"Authorization": f"tma {init_data_for(user, token, **kw)}"}


@pytest.fixture
async def api(stack):
    port = free_port()
    settings = Settings(
        port=port,
        bot_token=Secret(BOT_TOKEN),
        api_keys=frozenset({Secret(OPERATOR_KEY)}),
        rate_limits={"recharge": (1000, 60.0), "purchase": (1000, 60.0)},
        delivery_lookup_after=LOOKUP_AFTER,
        **stack,
    )
    metrics = Metrics()
    container = build_container(settings, metrics=metrics)
    worker = worker_pieces(container, WorkerSettings(relay_every=0.05, sweep_every=3600))
    app = create_app(container, metrics=metrics, sandbox=True, pieces=worker)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield client


async def pay(api, invoice_url: str) -> None:
    answer = await api.post(f"{invoice_url}/pay")
    assert answer.json()["outcome"] == "credited"


async def wait_for(api, predicate, what: str):
    for _ in range(100):
        balance = (await api.get("/api/v1/balance", headers=tma())).json()
        if predicate(balance):
            return balance
        await asyncio.sleep(0.05)
    raise AssertionError(what)


async def test_a_mini_app_user_tops_up_and_buys_stars_end_to_end(api):
    me = await api.get("/api/v1/me", headers=tma())
    assert me.status_code == 200
    assert me.json()["balance"] == {"amount": "0.00", "held": "0.00", "available": "0.00", "currency": "USD"}
    recharge = await api.post(
        "/api/v1/recharges", json={"amount": "10.00"}, headers=tma() | {"Idempotency-Key": "top-1"}
    )
    assert recharge.status_code == 201
    await pay(api, recharge.json()["invoice_url"])
    assert (await api.get("/api/v1/balance", headers=tma())).json()["amount"] == "10.00"
    quote = (await api.get("/api/v1/quote", params={"stars": 100}, headers=tma())).json()
    assert quote["price"] == "1.65"
    purchase = await api.post(
        "/api/v1/purchases", json={"stars": 100, "recipient": "@bob_gift"}, headers=tma() | {"Idempotency-Key": "b-1"}
    )
    assert purchase.status_code == 201
    assert purchase.json()["amount"] == "1.65"
    balance = await wait_for(api, lambda b: b["held"] == "0.00" and b["amount"] == "8.35", "delivery never finished")
    assert balance["available"] == "8.35"
    history = (await api.get("/api/v1/transactions", headers=tma())).json()
    assert [(t["type"], t["status"]) for t in history["items"]] == [
        ("purchase", "completed"),
        ("recharge", "completed"),
    ]
    metrics = (await api.get("/metrics")).text  # the worker's side of it, in this one process
    assert 'starshop_deliveries_total{outcome="delivered"} 1.0' in metrics
    assert 'starshop_delivery_task_seconds_count{claim="claimed"} 1.0' in metrics
    assert 'starshop_external_call_seconds_count{call="deliver",result="delivered",service="fragment"} 1.0' in metrics
    assert 'starshop_outbox_relayed_total{result="delivered"}' in metrics
    assert "starshop_provider_wallet_balance " in metrics


async def test_the_same_idempotency_key_replays_and_a_different_body_is_refused(api):
    headers = tma() | {"Idempotency-Key": "same"}
    first = await api.post("/api/v1/recharges", json={"amount": "5.00"}, headers=headers)
    again = await api.post("/api/v1/recharges", json={"amount": "5.00"}, headers=headers)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["invoice_url"] == first.json()["invoice_url"]
    other = await api.post("/api/v1/recharges", json={"amount": "6.00"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"


async def test_concurrent_requests_with_one_key_create_one_transaction(api):
    headers = tma() | {"Idempotency-Key": "race"}
    answers = await asyncio.gather(
        *(api.post("/api/v1/recharges", json={"amount": "7.00"}, headers=headers) for _ in range(10))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    history = (await api.get("/api/v1/transactions", headers=tma())).json()
    assert history["total"] == 1


async def test_posts_without_an_idempotency_key_are_refused(api):
    answer = await api.post("/api/v1/recharges", json={"amount": "5.00"}, headers=tma())
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "idempotency_key_required"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer abc"},
        {"Authorization": f"tma {init_data_for(ALICE, 'another-bot:token')}"},
        {"Authorization": f"tma {init_data_for(ALICE, BOT_TOKEN, auth_date=int(time.time()) - 2 * 86_400)}"},
        {"Authorization": "tma " + sign_init_data({"auth_date": str(int(time.time())), "user": "{}"}, BOT_TOKEN)},
    ],
    ids=["missing", "wrong-scheme", "forged", "expired", "no-user"],
)
async def test_bad_init_data_gets_401(api, headers):
    answer = await api.get("/api/v1/balance", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"


async def test_tampered_init_data_gets_401(api):
    header = tma()["Authorization"].replace("alice", "mallory")
    answer = await api.get("/api/v1/me", headers={"Authorization": header})
    assert answer.status_code == 401


async def test_operator_routes_need_an_operator_key_and_user_routes_need_init_data(api):
    # a Mini App user who is not in STARSHOP_ADMIN_IDS is known but no operator
    assert (await api.get("/api/v1/admin/audit", headers=tma())).status_code == 403
    assert (await api.get("/api/v1/admin/audit")).status_code == 401
    assert (await api.get("/api/v1/admin/audit", headers={"X-API-Key": "nope"})).status_code == 403
    assert (await api.get("/api/v1/balance", headers={"X-API-Key": OPERATOR_KEY})).status_code == 401
    audit = await api.get("/api/v1/admin/audit", headers={"X-API-Key": OPERATOR_KEY})
    assert audit.status_code == 200
    assert audit.json()["ok"] is True


async def test_operators_grant_bonuses_adjust_and_search(api):
    await api.get("/api/v1/me", headers=tma())
    op = {"X-API-Key": OPERATOR_KEY}
    bonus = await api.post(
        "/api/v1/admin/users/4242/bonus",
        json={"amount": "3.00", "reason": "welcome"},
        headers=op | {"Idempotency-Key": "b"},
    )
    assert bonus.status_code == 201
    adjust = await api.post(
        "/api/v1/admin/users/4242/adjustments",
        json={"amount": "-1.00", "reason": "fix"},
        headers=op | {"Idempotency-Key": "a"},
    )
    assert adjust.status_code == 201
    user = (await api.get("/api/v1/admin/users/4242", headers=op)).json()
    assert user["balance"]["amount"] == "2.00"
    found = (await api.get("/api/v1/admin/transactions", params={"type": "bonus"}, headers=op)).json()
    assert [t["id"] for t in found["items"]] == [bonus.json()["id"]]
    one = await api.get(f"/api/v1/admin/transactions/{bonus.json()['id']}", headers=op)
    assert one.json()["actor"] == 0
    too_much = await api.post(
        "/api/v1/admin/users/4242/adjustments",
        json={"amount": "-5", "reason": "x"},
        headers=op | {"Idempotency-Key": "t"},
    )
    assert too_much.status_code == 409
    assert too_much.json()["error"]["code"] == "insufficient_funds"
    assert (await api.get("/api/v1/admin/users/1", headers=op)).status_code == 404
    reconcile = await api.post("/api/v1/admin/reconcile", headers=op)
    assert reconcile.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [({"amount": 10.5}, "amount"), ({}, "amount"), ({"amount": "abc"}, "amount"), ({"amount": "1.001"}, None)],
)
async def test_bad_recharge_bodies_get_422_naming_the_problem(api, body, field):
    answer = await api.post("/api/v1/recharges", json=body, headers=tma() | {"Idempotency-Key": "bad"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    if field:
        assert error["code"] == "validation_error"
        assert [f["field"] for f in error["fields"]] == [field]
    else:
        assert error["code"] == "invalid_money"


async def test_insufficient_funds_says_what_is_missing(api):
    answer = await api.post(
        "/api/v1/purchases", json={"stars": 100, "recipient": "bob_gift"}, headers=tma() | {"Idempotency-Key": "x"}
    )
    assert answer.status_code == 409
    assert answer.json()["error"] | {"message": ""} == {"code": "insufficient_funds", "message": "", "missing": "1.65"}


async def test_the_openapi_schema_is_served(api):
    schema = (await api.get("/api/v1/schema/openapi.json")).json()
    assert "/api/v1/purchases" in schema["paths"]
    assert "/api/v1/admin/audit" in schema["paths"]


async def test_ready_reports_each_check_and_metrics_count_what_happened(api):
    ready = await api.get("/health/ready")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["database"] == {"ok": True, "detail": "reachable, migrations at head"}
    assert checks["redis"]["ok"] is True
    recharge = await api.post("/api/v1/recharges", json={"amount": "4.00"}, headers=tma() | {"Idempotency-Key": "m"})
    await pay(api, recharge.json()["invoice_url"])
    text = (await api.get("/metrics")).text
    assert 'starshop_webhooks_total{outcome="credited",status="paid"} 1.0' in text
    assert 'starshop_http_requests_total{method="POST",route="/api/v1/recharges",status="201"} 1.0' in text
    assert "starshop_outbox_pending" in text


async def test_every_response_carries_a_request_id(api):
    given = await api.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await api.get("/health/live")
    assert len(made.headers["x-request-id"]) == 32


async def test_ready_is_503_when_the_database_is_not_migrated(tmp_path):
    port = free_port()
    settings = Settings(port=port, database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    async with serving(create_app(build_container(settings)), port) as url, httpx.AsyncClient(base_url=url) as c:
        ready = await c.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["ok"] is False
    assert "starshop migrate" in ready.json()["checks"]["database"]["detail"]


async def unknown_purchase(api, recipient: str, key: str) -> str:
    """A sandbox purchase whose delivery call timed out (``lost...``: nothing bought, ``slow...``: bought)."""
    op = {"X-API-Key": OPERATOR_KEY}
    bought = await api.post(
        "/api/v1/purchases", json={"stars": 100, "recipient": recipient}, headers=tma() | {"Idempotency-Key": key}
    )
    tx_id = bought.json()["id"]
    for _ in range(100):
        tx = (await api.get(f"/api/v1/admin/transactions/{tx_id}", headers=op)).json()
        if tx["delivery_unknown"]:
            break
        await asyncio.sleep(0.05)
    assert (tx["status"], tx["delivery_unknown"]) == ("processing", True)
    return tx_id


async def resolve(api, tx_id: str, outcome: str, **extra: str) -> httpx.Response:
    body = {"outcome": outcome, "reason": "checked getOrders"} | extra
    return await api.post(f"/api/v1/admin/purchases/{tx_id}/resolve", json=body, headers={"X-API-Key": OPERATOR_KEY})


async def test_an_operator_settles_a_purchase_whose_delivery_is_unknown_once_its_lookup_delay_passed(api):
    await api.get("/api/v1/me", headers=tma())
    await api.post(
        "/api/v1/admin/users/4242/bonus",
        json={"amount": "5.00", "reason": "t"},
        headers=OP | {"Idempotency-Key": "seed"},
    )
    tx_id = await unknown_purchase(api, "lost_gift", "l")
    assert (await api.get("/api/v1/balance", headers=tma())).json()["held"] == "1.65"
    no_ref = await resolve(api, tx_id, "delivered")
    assert no_ref.status_code == 422
    too_soon = await resolve(api, tx_id, "refused")
    assert too_soon.status_code == 409
    assert too_soon.json()["error"]["code"] == "not_settleable"
    assert "too recent" in too_soon.json()["error"]["message"]
    await asyncio.sleep(LOOKUP_AFTER)
    made_up = await resolve(api, tx_id, "delivered", ref_id="Ref#made-up")
    assert (made_up.status_code, made_up.json()["error"]["code"]) == (409, "order_not_found")
    refused = await resolve(api, tx_id, "refused")
    assert refused.status_code == 200
    assert refused.json()["status"] == "failed"
    assert refused.json()["failure_reason"] == "operator: checked getOrders"
    assert (await api.get("/api/v1/balance", headers=tma())).json() | {"currency": ""} == {
        "amount": "5.00",
        "held": "0.00",
        "available": "5.00",
        "currency": "",
    }
    again = await resolve(api, tx_id, "refused")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_settled")


async def test_an_operator_cannot_refund_a_purchase_whose_stars_were_bought(api):
    await api.get("/api/v1/me", headers=tma())
    await api.post(
        "/api/v1/admin/users/4242/bonus",
        json={"amount": "5.00", "reason": "t"},
        headers=OP | {"Idempotency-Key": "seed"},
    )
    tx_id = await unknown_purchase(api, "slow_gift", "s")
    await asyncio.sleep(LOOKUP_AFTER)
    refused = await resolve(api, tx_id, "refused")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "order_found"
    assert f"order Ref#sandbox-{tx_id}" in refused.json()["error"]["message"]
    balance = (await api.get("/api/v1/balance", headers=tma())).json()
    assert (balance["amount"], balance["held"]) == ("5.00", "1.65")
    delivered = await resolve(api, tx_id, "delivered", ref_id=f"Ref#sandbox-{tx_id}")
    assert delivered.status_code == 200
    assert (delivered.json()["status"], delivered.json()["receipt"]["ref_id"]) == ("completed", f"Ref#sandbox-{tx_id}")
    balance = (await api.get("/api/v1/balance", headers=tma())).json()
    assert (balance["amount"], balance["held"]) == ("3.35", "0.00")


async def test_an_operator_cannot_settle_a_purchase_that_was_never_attempted(api):
    await api.get("/api/v1/me", headers=tma())
    queued = await api.post(
        "/api/v1/purchases",
        json={"stars": 100, "recipient": "bob_gift", "pay_with": "invoice"},
        headers=tma() | {"Idempotency-Key": "q"},
    )
    answer = await resolve(api, queued.json()["id"], "refused")
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "not_settleable")
    assert (await api.get(f"/api/v1/admin/transactions/{queued.json()['id']}", headers=OP)).json()["status"] == (
        "pending"
    )


async def test_the_events_websocket_pushes_the_callers_events_and_refuses_strangers(api):
    from urllib.parse import quote

    import websockets

    base = str(api.base_url).replace("http://", "ws://")
    auth = quote(tma()["Authorization"])
    async with websockets.connect(f"{base}/api/v1/events?auth={auth}") as socket:
        assert json.loads(await socket.recv()) == {"type": "subscribed", "user_id": ALICE["id"]}
        recharge = await api.post(
            "/api/v1/recharges", json={"amount": "3.00"}, headers=tma() | {"Idempotency-Key": "w"}
        )
        await pay(api, recharge.json()["invoice_url"])
        kinds = set()
        async with asyncio.timeout(5):
            while not {"payment_received", "balance_changed"} <= kinds:
                message = json.loads(await socket.recv())
                kinds.add(message["event"]["kind"])
                assert message["event"]["user_id"] == ALICE["id"]
    with pytest.raises(websockets.exceptions.InvalidStatus, match="403"):
        async with websockets.connect(f"{base}/api/v1/events"):
            pass
