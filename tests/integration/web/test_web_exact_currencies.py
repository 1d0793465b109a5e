"""Every currency the settings accept is stored exactly: an 18-decimal ETH top-up over real HTTP, on the embedded
stack (SQLite) and on Postgres, is credited by its genuine signed ``paid`` webhook instead of refused as a
mismatch."""

from decimal import Decimal

import httpx
import pytest

from starshop.domain import Currency
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings, WorkerSettings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.worker import worker_pieces
from tests.support import free_port, serving

from .test_web_api import BOT_TOKEN, tma

WEI = "0.123456789123456789"


@pytest.fixture
async def eth_api(stack):
    port = free_port()
    settings = Settings(
        port=port,
        bot_token=Secret(BOT_TOKEN),
        currency=Currency.of("ETH"),
        min_recharge=Decimal("0.000000000000000001"),
        max_recharge=Decimal(100),
        **stack,
    )
    container = build_container(settings)
    worker = worker_pieces(container, WorkerSettings(relay_every=0.05, sweep_every=3600))
    app = create_app(container, sandbox=True, pieces=worker)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield client


async def test_an_eighteen_decimal_eth_top_up_is_stored_exactly_and_its_paid_webhook_credits_it(eth_api):
    recharge = await eth_api.post("/api/v1/recharges", json={"amount": WEI}, headers=tma() | {"Idempotency-Key": "e"})
    assert recharge.status_code == 201, recharge.text
    assert recharge.json()["amount"] == WEI

    paid = await eth_api.post(f"{recharge.json()['invoice_url']}/pay")

    assert paid.json()["outcome"] == "credited"
    balance = (await eth_api.get("/api/v1/balance", headers=tma())).json()
    assert balance == {"amount": WEI, "held": "0.000000000000000000", "available": WEI, "currency": "ETH"}
    history = (await eth_api.get("/api/v1/transactions", headers=tma())).json()
    assert [(t["type"], t["status"], t["amount"]) for t in history["items"]] == [("recharge", "completed", WEI)]
