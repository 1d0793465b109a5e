"""Shop settings over real HTTP on both stacks: operators read and change them (audited), the storefront's shop and
quote follow at once, maintenance refuses purchases with the operator's message and lets top-ups through. A missing
or forged key, a malformed or out-of-range value changes nothing."""

from dataclasses import fields
from typing import get_args

import httpx
import pytest

from starshop.domain import SettingKey
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.api.bodies import SettingsBody
from starshop.entrypoints.web.api.views import SettingName
from starshop.entrypoints.web.auth import OperatorAuth, init_data_for
from tests.support import free_port, serving

BOT_TOKEN = "123456:test-bot-token"
OPERATOR_KEY = "operator-key-0123456789"
ADMIN = {"id": 777, "username": "boss", "first_name": "Boss"}
ALICE = {"id": 4242, "username": "alice", "first_name": "Alice", "language_code": "en"}
SETTINGS = "/api/v1/admin/settings"
OP = {"X-API-Key": OPERATOR_KEY}


@pytest.fixture
async def api(stack):
    port = free_port()
    settings = Settings(
        port=port,
        bot_token=Secret(BOT_TOKEN),
        api_keys=frozenset({Secret(OPERATOR_KEY)}),
        admin_ids=frozenset({ADMIN["id"]}),
        **stack,
    )
    app = create_app(build_container(settings), sandbox=True)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        client.headers["Authorization"] = f"tma {init_data_for(ALICE, BOT_TOKEN)}"
        assert (await client.get("/api/v1/me")).status_code == 200
        yield client


async def state(api) -> tuple[dict, int]:
    current = (await api.get(SETTINGS, headers=OP)).json()
    audit = (await api.get(f"{SETTINGS}/audit", headers=OP)).json()
    return current, audit["total"]


async def test_an_operator_reads_the_defaults_then_changes_a_setting_with_an_audit_row(api):
    first = await api.get(SETTINGS, headers=OP)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["overridden"] == []
    assert body["values"] == body["defaults"]
    assert body["values"] | {"maintenance_message": "-"} == {
        "price_per_star": "0.015",
        "markup": "0.10",
        "min_stars": 50,
        "max_stars": 10000,
        "wallet_floor": None,
        "maintenance": False,
        "maintenance_message": "-",
        "premium_prices": "",
    }
    changed = await api.patch(SETTINGS, json={"price_per_star": "0.02", "min_stars": 100}, headers=OP)
    assert changed.status_code == 200, changed.text
    assert changed.json()["values"]["price_per_star"] == "0.02"
    assert sorted(changed.json()["overridden"]) == ["min_stars", "price_per_star"]
    audit = (await api.get(f"{SETTINGS}/audit", headers=OP)).json()
    assert audit["total"] == 2
    rows = {item["key"]: item for item in audit["items"]}
    assert rows["price_per_star"] | {"at": "-"} == {
        "at": "-",
        "actor": OperatorAuth.fingerprint(OPERATOR_KEY),
        "key": "price_per_star",
        "old": None,
        "new": "0.02",
    }
    assert OPERATOR_KEY not in str(audit)


async def test_the_same_change_again_is_idempotent_and_writes_no_audit_row(api):
    for _ in range(2):
        answer = await api.patch(SETTINGS, json={"markup": "0.1"}, headers=OP)
        assert answer.status_code == 200
    assert (await state(api))[1] == 1


async def test_a_telegram_operator_is_named_by_their_id_in_the_audit(api):
    admin = {"Authorization": f"tma {init_data_for(ADMIN, BOT_TOKEN)}"}
    assert (await api.patch(SETTINGS, json={"maintenance": True}, headers=admin)).status_code == 200
    audit = (await api.get(f"{SETTINGS}/audit", headers=OP)).json()
    assert audit["items"][0]["actor"] == "telegram:777"


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "forged-key"}, {"Authorization": f"tma {init_data_for(ALICE, BOT_TOKEN)}"}],
    ids=["missing", "forged", "a customer"],
)
async def test_without_an_operator_key_nothing_is_read_or_changed(api, headers):
    before = await state(api)
    api.headers.pop("Authorization", None)
    changed = await api.patch(SETTINGS, json={"price_per_star": "0.01"}, headers=headers)
    assert changed.status_code in (401, 403)
    assert (await api.get(SETTINGS, headers=headers)).status_code in (401, 403)
    assert (await api.get(f"{SETTINGS}/audit", headers=headers)).status_code in (401, 403)
    assert await state(api) == before


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"price_per_star": "0"}, "invalid_setting"),
        ({"price_per_star": "1e3"}, "validation_error"),
        ({"price_per_star": 0.02}, "validation_error"),
        ({"price_per_star": "99999"}, "invalid_setting"),
        ({"markup": "-0.1"}, "validation_error"),
        ({"min_stars": 49}, "invalid_setting"),
        ({"min_stars": "100"}, "validation_error"),
        ({"min_stars": 500, "max_stars": 100}, "invalid_setting"),
        ({"max_stars": 2_000_000}, "invalid_setting"),
        ({"maintenance": "yes"}, "validation_error"),
        ({"maintenance_message": ""}, "validation_error"),
        ({"maintenance_message": "x" * 501}, "validation_error"),
        ({"premium_prices": {"3": "1"}}, "validation_error"),
        ({"premium_prices": "4:12.99"}, "invalid_setting"),
        ({"premium_prices": "3:0"}, "invalid_setting"),
        ({"premium_prices": "3:12.999"}, "invalid_setting"),
        ({"premium_prices": "garbage"}, "invalid_setting"),
        ({"premium_prices": "3:1," * 20}, "validation_error"),
        ({"reset": ["nothing"]}, "validation_error"),
        ({"price": "0.03"}, "validation_error"),  # a misspelt setting is not a silent no-op
        ({"price_per_star": "0.03", "maintainance": True}, "validation_error"),
        ({"markup": "0.2", "reset": ["markup"]}, "validation_error"),
        ([1, 2], "validation_error"),
    ],
)
async def test_a_malformed_or_out_of_range_change_is_refused_and_changes_nothing(api, body, code):
    await api.patch(SETTINGS, json={"price_per_star": "0.02"}, headers=OP)
    before = await state(api)
    answer = await api.patch(SETTINGS, json=body, headers=OP)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == code
    assert await state(api) == before


async def test_an_oversized_body_is_refused(api):
    answer = await api.patch(SETTINGS, content=b'{"maintenance_message": "' + b"x" * 2_000_000 + b'"}', headers=OP)
    assert 400 <= answer.status_code < 500
    assert (await state(api))[1] == 0


async def test_reset_brings_back_the_default(api):
    await api.patch(SETTINGS, json={"price_per_star": "0.02"}, headers=OP)
    back = await api.patch(SETTINGS, json={"reset": ["price_per_star"]}, headers=OP)
    assert back.json()["values"]["price_per_star"] == "0.015"
    assert back.json()["overridden"] == []
    items = (await api.get(f"{SETTINGS}/audit", params={"limit": 1}, headers=OP)).json()["items"]
    assert [(i["old"], i["new"]) for i in items] == [("0.02", None)]


async def test_the_storefront_sees_a_new_price_and_bounds_at_once(api):
    await api.patch(SETTINGS, json={"price_per_star": "0.02", "min_stars": 100, "max_stars": 500}, headers=OP)
    shop = (await api.get("/api/v1/shop")).json()
    assert (shop["min_stars"], shop["max_stars"], shop["price_per_star"]) == (100, 500, "0.02")
    assert shop["star_amounts"] == [100, 250, 500]
    quote = (await api.get("/api/v1/quote", params={"stars": 100})).json()
    assert (quote["price"], quote["sales_paused"]) == ("2.20", False)  # 100 x 0.02 x 1.10
    assert (await api.get("/api/v1/quote", params={"stars": 50})).json()["error"]["code"] == "invalid_star_amount"


async def test_premium_prices_set_at_run_time_are_shown_quoted_and_audited(api):
    changed = await api.patch(SETTINGS, json={"premium_prices": "6:16.99, 3:12.5"}, headers=OP)
    assert changed.status_code == 200, changed.text
    assert changed.json()["values"]["premium_prices"] == "3:12.5,6:16.99"
    assert changed.json()["defaults"]["premium_prices"] == ""
    shop = (await api.get("/api/v1/shop")).json()
    assert shop["premium"] == [{"months": 3, "price": "12.50"}, {"months": 6, "price": "16.99"}]
    quote = await api.get("/api/v1/quote", params={"product": "premium", "months": 6})
    assert quote.status_code == 200, quote.text
    assert quote.json()["price"] == "16.99"
    audit = (await api.get(f"{SETTINGS}/audit", headers=OP)).json()
    assert [(i["key"], i["old"], i["new"]) for i in audit["items"]] == [("premium_prices", None, "3:12.5,6:16.99")]
    stopped = await api.patch(SETTINGS, json={"premium_prices": ""}, headers=OP)
    assert stopped.status_code == 200, stopped.text
    assert (await api.get("/api/v1/shop")).json()["premium"] == []
    refused = await api.get("/api/v1/quote", params={"product": "premium", "months": 3})
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "premium_not_sold")
    assert (await state(api))[1] == 2


async def test_maintenance_refuses_purchases_with_the_message_and_lets_top_ups_through(api):
    message = "Back at noon: stocking up on stars"
    await api.patch(SETTINGS, json={"maintenance": True, "maintenance_message": message}, headers=OP)
    shop = (await api.get("/api/v1/shop")).json()
    assert (shop["sales_paused"], shop["maintenance_message"]) == (True, message)
    quote = (await api.get("/api/v1/quote", params={"stars": 100})).json()
    assert (quote["sales_paused"], quote["maintenance_message"]) == (True, message)
    refused = await api.post(
        "/api/v1/purchases", json={"stars": 100, "recipient": "@bob_the_user"}, headers={"Idempotency-Key": "p-1"}
    )
    assert refused.status_code == 503
    assert refused.json()["error"] == {"code": "maintenance", "message": message}
    topup = await api.post("/api/v1/recharges", json={"amount": "10.00"}, headers={"Idempotency-Key": "r-1"})
    assert topup.status_code == 201, topup.text
    history = (await api.get("/api/v1/admin/transactions", params={"user_id": 4242}, headers=OP)).json()["items"]
    assert [t["type"] for t in history] == ["recharge"]
    await api.patch(SETTINGS, json={"maintenance": False}, headers=OP)
    assert (await api.get("/api/v1/shop")).json()["sales_paused"] is False


def test_the_settings_the_api_names_are_the_domains():
    assert set(get_args(SettingName)) == {key.value for key in SettingKey}
    assert set(get_args(SettingName)) == {f.name for f in fields(SettingsBody)} - {"reset"}
