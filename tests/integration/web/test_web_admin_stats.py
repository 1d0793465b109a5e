"""GET /api/v1/admin/stats over real HTTP on both stacks: the figures of a shop that sold something equal its
ledger as the operator API lists it; only operators (a key, or a Telegram id of STARSHOP_ADMIN_IDS) read them;
malformed, oversized or forged requests are refused with a clear 4xx."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings, WorkerSettings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.auth import init_data_for
from starshop.entrypoints.worker import worker_pieces
from tests.support import free_port, serving

BOT_TOKEN = "123456:test-bot-token"
OPERATOR_KEY = "operator-key-0123456789"
OP = {"X-API-Key": OPERATOR_KEY}
ADMIN = {"id": 777, "username": "boss", "first_name": "Boss"}
USERS = [{"id": 4242, "username": "alice", "first_name": "Alice"}, {"id": 4343, "username": "bob", "first_name": "Bob"}]
STATS = "/api/v1/admin/stats"


def tma(user: dict[str, object], token: str = BOT_TOKEN) -> dict[str, str]:
    return {"Authorization": f"tma {init_data_for(user, token)}"}


@pytest.fixture
async def api(stack):
    port = free_port()
    settings = Settings(
        port=port,
        bot_token=Secret(BOT_TOKEN),
        api_keys=frozenset({Secret(OPERATOR_KEY)}),
        admin_ids=frozenset({777}),
        **stack,
    )
    container = build_container(settings)
    worker = worker_pieces(container, WorkerSettings(relay_every=0.05, sweep_every=3600))
    app = create_app(container, sandbox=True, pieces=worker)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield client


async def _shop(api: httpx.AsyncClient) -> None:
    """Alice tops up 10.00 and buys 100 and 250 stars; Bob's top-up stays unpaid; Alice buys for a nobody."""
    alice, bob = tma(USERS[0]), tma(USERS[1])
    paid = await api.post("/api/v1/recharges", json={"amount": "10.00"}, headers=alice | {"Idempotency-Key": "r1"})
    assert (await api.post(f"{paid.json()['invoice_url']}/pay")).json()["outcome"] == "credited"
    await api.post("/api/v1/recharges", json={"amount": "7.00"}, headers=bob | {"Idempotency-Key": "r2"})
    for key, stars, to in [("b1", 100, "@bob_gift"), ("b2", 250, "@carol_gift"), ("b3", 50, "@refuse_me")]:
        bought = await api.post(
            "/api/v1/purchases", json={"stars": stars, "recipient": to}, headers=alice | {"Idempotency-Key": key}
        )
        assert bought.status_code == 201, bought.text
    for _ in range(200):
        journal = (await api.get("/api/v1/admin/transactions", params={"type": "purchase"}, headers=OP)).json()
        if all(t["status"] in ("completed", "failed") for t in journal["items"]):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the worker never settled the purchases")


async def _ledger(api: httpx.AsyncClient) -> list[dict[str, object]]:
    rows = (await api.get("/api/v1/admin/transactions", params={"page_size": 100}, headers=OP)).json()
    assert rows["total"] == len(rows["items"])
    return rows["items"]


async def test_the_figures_of_today_equal_the_ledger(api):
    await _shop(api)
    ledger = await _ledger(api)
    today = datetime.now(UTC).date().isoformat()
    stats = await api.get(STATS, params={"from": today, "to": today}, headers=OP)
    assert stats.status_code == 200, stats.text
    body = stats.json()

    def total(kind: str) -> str:
        done = [Decimal(t["amount"]) for t in ledger if t["type"] == kind and t["status"] == "completed"]
        return str(sum(done, Decimal("0.00")))

    purchases = [t for t in ledger if t["type"] == "purchase"]
    expected = {
        "recharged": total("recharge"),
        "sales": total("purchase"),
        "stars": sum(t["stars"] for t in purchases if t["status"] == "completed"),
        "purchases": {s: sum(1 for t in purchases if t["status"] == s) for s in body["totals"]["purchases"]},
        "new_users": 2,
        "active_users": 2,
    }
    assert (expected["recharged"], expected["sales"], expected["stars"]) == ("10.00", "5.78", 350)
    assert expected["purchases"]["failed"] == 1
    assert body["totals"] == expected
    assert [(p["from"], p["to"]) for p in body["series"]] == [(today, today)]
    assert {k: v for k, v in body["series"][0].items() if k not in ("from", "to")} == expected
    assert (body["from"], body["to"], body["bucket"], body["currency"], body["timezone"]) == (
        today,
        today,
        "day",
        "USD",
        "UTC",
    )


async def test_by_default_the_last_30_days_in_days_and_weeks_cover_the_same_money(api):
    await _shop(api)
    days = (await api.get(STATS, headers=OP)).json()
    assert len(days["series"]) == 30
    assert days["to"] == datetime.now(UTC).date().isoformat()
    weeks = (await api.get(STATS, params={"from": days["from"], "to": days["to"], "bucket": "week"}, headers=OP)).json()
    assert weeks["totals"] == days["totals"]
    assert sum(Decimal(p["sales"]) for p in weeks["series"]) == Decimal(days["totals"]["sales"])
    assert all(datetime.fromisoformat(p["from"]).weekday() == 0 for p in weeks["series"][1:])
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    later = (await api.get(STATS, params={"from": tomorrow, "to": tomorrow}, headers=OP)).json()
    assert (later["totals"]["sales"], later["totals"]["active_users"]) == ("0.00", 0)


async def test_an_admin_inside_telegram_reads_the_stats_and_nobody_else_does(api):
    assert (await api.get(STATS, headers=tma(ADMIN))).status_code == 200
    stranger = await api.get(STATS, headers=tma(USERS[0]))
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (403, "forbidden")
    forged = await api.get(STATS, headers=tma(ADMIN, token="654321:another-bots-token"))
    assert (forged.status_code, forged.json()["error"]["code"]) == (401, "unauthorized")
    replayed_old = init_data_for(ADMIN, BOT_TOKEN, auth_date=int(datetime.now(UTC).timestamp()) - 90_000)
    expired = await api.get(STATS, headers={"Authorization": f"tma {replayed_old}"})
    assert expired.status_code == 401
    assert (await api.get(STATS)).status_code == 401
    wrong = await api.get(STATS, headers={"X-API-Key": "not-the-key"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (403, "forbidden")
    both = await api.get(STATS, headers={"X-API-Key": "not-the-key"} | tma(ADMIN))
    assert both.status_code == 403  # a key given is the credential checked: a wrong one is never overridden


async def test_the_key_is_checked_before_the_query_is_read(api):
    answer = await api.get(STATS, params={"from": "garbage", "bucket": "month"}, headers={"X-API-Key": "nope"})
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"from": "2026-13-01"}, "validation_error", "from"),
        ({"to": "2026-1-1"}, "validation_error", "to"),
        ({"from": "2026-01-01T00:00:00"}, "validation_error", "from"),
        ({"from": "\u0661" * 4 + "-01-01"}, "validation_error", "from"),  # Arabic-Indic digits
        ({"from": "1" * 10_000}, "validation_error", "from"),
        ({"bucket": "month"}, "validation_error", "bucket"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "invalid_range", None),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "invalid_range", None),
        ({"from": "9999-12-01", "to": "9999-12-31"}, "invalid_range", None),
    ],
)
async def test_a_malformed_or_oversized_range_is_a_422_that_says_why(api, params, code, field):
    answer = await api.get(STATS, params=params, headers=OP)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    if field is not None:
        assert [f["field"] for f in error["fields"]] == [field]
