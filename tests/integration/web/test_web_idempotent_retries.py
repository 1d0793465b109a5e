"""Concurrent retries of one Idempotency-Key over real HTTP, on the embedded stack and on Postgres and Redis.

A Mini App that taps twice, or a client that retries on a timeout, sends the same key again while the first
request is still being handled. Every copy must get the one purchase: never a 429 from the rate limiter (the
copies count once), never a 402 (the first copy's hold is not the retry's), never a 500 (a deadlock with the
delivery being recorded in the background).
"""

import asyncio

import httpx
import pytest

from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings, WorkerSettings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.worker import worker_pieces
from tests.support import free_port, serving

from .test_web_api import BOT_TOKEN, OPERATOR_KEY, pay, tma, wait_for

COPIES = 20


@pytest.fixture
async def api(stack):
    port = free_port()
    settings = Settings(
        port=port,
        bot_token=Secret(BOT_TOKEN),
        api_keys=frozenset({Secret(OPERATOR_KEY)}),
        rate_limits={"recharge": (1000, 60.0), "purchase": (3, 60.0)},
        **stack,
    )
    container = build_container(settings)
    worker = worker_pieces(container, WorkerSettings(relay_every=0.01, sweep_every=3600))
    app = create_app(container, sandbox=True, pieces=worker)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        yield client


async def test_twenty_concurrent_copies_of_one_purchase_all_get_the_one_purchase(api):
    recharge = await api.post("/api/v1/recharges", json={"amount": "1.65"}, headers=tma() | {"Idempotency-Key": "t"})
    await pay(api, recharge.json()["invoice_url"])
    headers = tma() | {"Idempotency-Key": "tap-tap"}
    body = {"stars": 100, "recipient": "@bob_gift"}

    answers = await asyncio.gather(*(api.post("/api/v1/purchases", json=body, headers=headers) for _ in range(COPIES)))

    assert [a.status_code for a in answers] == [201] * COPIES, [a.text for a in answers if a.status_code != 201]
    assert len({a.json()["id"] for a in answers}) == 1
    replayed = sorted(a.headers["Idempotent-Replayed"] for a in answers)
    assert replayed == ["false"] + ["true"] * (COPIES - 1)
    await wait_for(api, lambda b: b["amount"] == "0.00" and b["held"] == "0.00", "the purchase was never delivered")
    history = (await api.get("/api/v1/transactions", headers=tma())).json()
    journal = [(t["type"], t["status"]) for t in history["items"]]
    assert journal == [("purchase", "completed"), ("recharge", "completed")]
    again = await api.post("/api/v1/purchases", json=body, headers=headers)
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.json()["status"] == "completed"


async def test_a_refused_request_retried_with_its_key_still_meets_the_rate_limit(api):
    headers = tma() | {"Idempotency-Key": "no-money"}
    body = {"stars": 100, "recipient": "@bob_gift"}
    answers = [await api.post("/api/v1/purchases", json=body, headers=headers) for _ in range(6)]
    # the balance is empty: each try is refused, and each counts against the limit of 3 like any other request
    assert [a.status_code for a in answers] == [409, 409, 409, 429, 429, 429]
