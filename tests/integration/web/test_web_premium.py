"""Telegram Premium through the Mini App API: the shop lists the gifts on sale with their prices, a quote and a
purchase take ``product: premium`` with ``months``; malformed, forged and replayed requests get a clear 4xx and change
nothing; a shop without Premium prices refuses Premium with 404 ``premium_not_sold``."""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings, WorkerSettings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.worker import worker_pieces
from tests.integration.web.test_web_storefront_api import BOT_TOKEN, funded, settled, tma
from tests.support import free_port, serving

PRICES = {3: Decimal("12.99"), 6: Decimal("16.99"), 12: Decimal("29.99")}
OPERATOR = {"X-API-Key": "operator-key-0123456789"}


async def serve(sqlite_url: str, **changes: object) -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    settings = Settings(port=port, bot_token=Secret(BOT_TOKEN), database_url=sqlite_url, **changes)  # type: ignore[arg-type]
    container = build_container(settings)
    worker = worker_pieces(container, WorkerSettings(relay_every=0.05, sweep_every=3600))
    app = create_app(container, sandbox=True, pieces=worker)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield client


@pytest.fixture
async def api(sqlite_url):
    operators = frozenset({Secret(OPERATOR["X-API-Key"])})
    async for client in serve(sqlite_url, premium_prices=PRICES, api_keys=operators):
        yield client


@pytest.fixture
async def unsold(sqlite_url):
    async for client in serve(sqlite_url):
        yield client


def buy(api, body, key="k"):
    return api.post("/api/v1/purchases", json=body, headers=tma() | {"Idempotency-Key": key})


async def balance(api) -> tuple[str, str]:
    found = (await api.get("/api/v1/balance", headers=tma())).json()
    return found["amount"], found["held"]


async def test_the_shop_lists_the_premium_gifts_on_sale(api):
    shop = (await api.get("/api/v1/shop", headers=tma())).json()
    assert shop["premium"] == [
        {"months": 3, "price": "12.99"},
        {"months": 6, "price": "16.99"},
        {"months": 12, "price": "29.99"},
    ]


async def test_a_premium_quote_is_its_price(api):
    answer = await api.get("/api/v1/quote", params={"product": "premium", "months": 6}, headers=tma())
    assert answer.status_code == 200
    assert answer.json() == {
        "product": "premium",
        "months": 6,
        "price": "16.99",
        "currency": "USD",
        "price_per_star": "0.015",
        "markup": "0.10",
        "sales_paused": False,
    }
    stars = (await api.get("/api/v1/quote", params={"stars": 100}, headers=tma())).json()
    assert (stars["product"], stars["stars"], "months" in stars) == ("stars", 100, False)


async def test_a_premium_gift_is_bought_held_delivered_and_named(api):
    await funded(api, "20.00")
    answer = await buy(api, {"product": "premium", "months": 3, "recipient": "@bob_gift"})
    assert answer.status_code == 201, answer.text
    tx = answer.json()
    assert (tx["product"], tx["months"], "stars" in tx, tx["recipient"]) == ("premium", 3, False, "bob_gift")
    assert tx["description"] == "3 months of Telegram Premium for @bob_gift"
    assert tx["amount"] == "12.99"
    replay = await buy(api, {"product": "premium", "months": 3, "recipient": "@bob_gift"})
    assert (replay.status_code, replay.json()["id"]) == (201, tx["id"])
    done = await settled(api, tx["id"])
    assert (done["status"], done["product"], done["months"]) == ("completed", "premium", 3)
    assert done["reference"]
    assert await balance(api) == ("7.01", "0.00")
    history = (await api.get("/api/v1/transactions", headers=tma())).json()
    assert history["items"][0]["product"] == "premium"


async def test_in_maintenance_a_premium_gift_is_refused_503_with_the_message_and_nothing_is_held(api):
    await funded(api, "20.00")
    paused = {"maintenance": True, "maintenance_message": "Back at noon."}
    assert (await api.patch("/api/v1/admin/settings", json=paused, headers=OPERATOR)).status_code == 200
    quote = await api.get("/api/v1/quote", params={"product": "premium", "months": 3}, headers=tma())
    assert quote.json()["sales_paused"] is True
    answer = await buy(api, {"product": "premium", "months": 3, "recipient": "@bob_gift"})
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "maintenance"
    assert "Back at noon." in answer.json()["error"]["message"]
    assert await balance(api) == ("20.00", "0.00")
    history = (await api.get("/api/v1/transactions", headers=tma())).json()
    assert [item["type"] for item in history["items"]] == ["recharge"]


async def test_a_refused_gift_is_refunded(api):
    await funded(api, "20.00")
    tx = (await buy(api, {"product": "premium", "months": 6, "recipient": "@refuse_me"})).json()
    failed = await settled(api, tx["id"])
    assert (failed["status"], failed["product"]) == ("failed", "premium")
    assert await balance(api) == ("20.00", "0.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product": "premium", "months": 3, "stars": 100, "recipient": "@bob_gift"}, "stars"),
        ({"product": "premium", "recipient": "@bob_gift"}, "months"),
        ({"product": "premium", "months": "3", "recipient": "@bob_gift"}, "months"),
        ({"product": "premium", "months": 3.0, "recipient": "@bob_gift"}, "months"),
        ({"product": "premium", "months": 10**12, "recipient": "@bob_gift"}, "months"),
        ({"product": "gold", "months": 3, "recipient": "@bob_gift"}, "product"),
        ({"months": 3, "recipient": "@bob_gift"}, "months"),
        ({"stars": 100, "months": 3, "recipient": "@bob_gift"}, "months"),
        ({"recipient": "@bob_gift"}, "stars"),
    ],
    ids=[
        "premium with stars",
        "premium without months",
        "months as a string",
        "months as a float",
        "huge months",
        "unknown product",
        "months for stars",
        "stars and months",
        "stars without stars",
    ],
)
async def test_a_malformed_purchase_is_refused_422_naming_the_field_and_changes_nothing(api, body, field):
    await funded(api, "20.00")
    answer = await buy(api, body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    assert field in {f["field"] for f in error["fields"]}, error
    assert await balance(api) == ("20.00", "0.00")


@pytest.mark.parametrize("months", [1, 5, 7, 24])
async def test_months_other_than_3_6_or_12_are_refused_422(api, months):
    await funded(api, "20.00")
    answer = await buy(api, {"product": "premium", "months": months, "recipient": "@bob_gift"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_premium_months"
    quote = await api.get("/api/v1/quote", params={"product": "premium", "months": months}, headers=tma())
    assert (quote.status_code, quote.json()["error"]["code"]) == (422, "invalid_premium_months")
    assert await balance(api) == ("20.00", "0.00")


async def test_a_key_used_for_stars_cannot_buy_premium(api):
    await funded(api, "20.00")
    assert (await buy(api, {"stars": 100, "recipient": "@bob_gift"}, key="same")).status_code == 201
    again = await buy(api, {"product": "premium", "months": 3, "recipient": "@bob_gift"}, key="same")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "idempotency_conflict")


async def test_concurrent_copies_of_one_gift_make_one_purchase(api):
    await funded(api, "20.00")
    body = {"product": "premium", "months": 3, "recipient": "@bob_gift"}
    answers = await asyncio.gather(*(buy(api, body, key="once") for _ in range(5)))
    made = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(made) == 1, [a.text for a in answers]
    assert await balance(api) in {("20.00", "12.99"), ("7.01", "0.00")}


async def test_a_forged_caller_buys_nothing(api):
    body = {"product": "premium", "months": 3, "recipient": "@bob_gift"}
    answer = await api.post(
        "/api/v1/purchases", json=body, headers={"Authorization": "tma forged", "Idempotency-Key": "k"}
    )
    assert answer.status_code == 401


async def test_a_shop_without_premium_prices_refuses_premium_404_and_lists_none(unsold):
    await funded(unsold, "20.00")
    assert (await unsold.get("/api/v1/shop", headers=tma())).json()["premium"] == []
    answer = await buy(unsold, {"product": "premium", "months": 3, "recipient": "@bob_gift"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "premium_not_sold")
    quote = await unsold.get("/api/v1/quote", params={"product": "premium", "months": 3}, headers=tma())
    assert (quote.status_code, quote.json()["error"]["code"]) == (404, "premium_not_sold")
    assert await balance(unsold) == ("20.00", "0.00")
