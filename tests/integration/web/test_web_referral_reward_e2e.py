"""A paid referral reward end to end over real HTTP on both stacks, with a worker running: the app takes payments
through the real Heleket adapter (a fake Heleket signs the webhooks) and delivers through the real Fragment adapter
(against the Fragment fake). Bob opens the Mini App through Alice's link, tops up (the signed webhook arrives three
times), buys; once Fragment has delivered, Alice's balance shows her reward, once."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal

import httpx

from starshop.domain import referral_code
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, WorkerSettings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.auth import sign_init_data
from starshop.entrypoints.worker import worker_pieces
from starshop.testing.fakes import FakeFragment, FakeHeleket
from tests.support import eventually, free_port, heleket_settings, serving

BOT_TOKEN = "123456:test-bot-token"
SEED = " ".join(["abandon"] * 23 + ["art"])
ALICE = {"id": 4242, "username": "alice", "first_name": "Alice", "language_code": "en"}
BOB = {"id": 5353, "username": "bob", "first_name": "Bob", "language_code": "en"}


def tma(user: dict[str, object], start_param: str | None = None) -> dict[str, str]:
    fields = {"auth_date": str(int(time.time())), "user": json.dumps(user)}
    if start_param:
        fields["start_param"] = start_param
    return {"Authorization": f"tma {sign_init_data(fields, BOT_TOKEN)}"}


async def test_a_referred_users_paid_and_delivered_purchase_rewards_the_referrer_once(stack):
    fragment = FakeFragment(seed=SEED, users={"bob_gift"}, balance=Decimal(1000))
    async with FakeHeleket() as heleket, fragment.running() as fragment_url:
        port = free_port()
        settings = heleket_settings(
            heleket,
            port=port,
            public_url=f"http://127.0.0.1:{port}",
            bot_token=Secret(BOT_TOKEN),
            referral_percent=Decimal(10),
            fragment_seed=Secret(SEED),
            fragment_url=fragment_url,
            **stack,
        )
        container = build_container(settings)
        worker = worker_pieces(container, WorkerSettings(relay_every=0.05, sweep_every=3600))
        app = create_app(container, pieces=worker)
        async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=30) as api:
            assert (await api.get("/api/v1/me", headers=tma(ALICE))).status_code == 200
            code = referral_code(4242)
            joined = await api.get("/api/v1/me", headers=tma(BOB, start_param=f"ref_{code}"))
            assert joined.status_code == 200, joined.text

            top_up = await api.post(
                "/api/v1/recharges", json={"amount": "20.00"}, headers=tma(BOB) | {"Idempotency-Key": "bob-top-up"}
            )
            assert top_up.status_code == 201, top_up.text
            order_id = top_up.json()["id"]
            heleket.set_status(order_id, "paid")
            assert await heleket.send_webhook(order_id, times=3) == [200, 200, 200]  # signed, and sent again

            async def bobs_balance() -> dict[str, str]:
                return (await api.get("/api/v1/balance", headers=tma(BOB))).json()

            assert (await bobs_balance())["amount"] == "20.00"
            bought = await api.post(
                "/api/v1/purchases",
                json={"stars": 1000, "recipient": "@bob_gift"},
                headers=tma(BOB) | {"Idempotency-Key": "bob-buys"},
            )
            assert bought.status_code == 201, bought.text
            price = Decimal(bought.json()["amount"])

            async def delivered() -> bool:
                return (await bobs_balance())["held"] == "0.00"

            await eventually(delivered, within=20, what="the delivery through Fragment")
            assert (await bobs_balance())["amount"] == f"{Decimal('20.00') - price:.2f}"
            reward = (price * Decimal(10) / 100).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
            await asyncio.sleep(0.3)  # a second reward, were there one, would be journaled by now

            referrals = (await api.get("/api/v1/referrals", headers=tma(ALICE))).json()
            assert referrals["invited"] == 1
            assert referrals["earned"] == f"{reward:.2f}"
            alice = (await api.get("/api/v1/balance", headers=tma(ALICE))).json()
            assert alice["amount"] == f"{reward:.2f}"
            history = (await api.get("/api/v1/transactions", headers=tma(ALICE))).json()["items"]
            assert [(t["type"], t["status"], t["amount"]) for t in history] == [
                ("referral", "completed", f"{reward:.2f}")
            ]
            mine = (await api.get("/api/v1/transactions", headers=tma(BOB))).json()["items"]
            assert sorted((t["type"], t["status"]) for t in mine) == [
                ("purchase", "completed"),
                ("recharge", "completed"),
            ]
        await container.close()
