"""Operator broadcasts over real HTTP on both stacks: preview with the recipients counted, create once per
Idempotency-Key, list, follow and cancel; invalid markup, segments, keys and ids are refused and store nothing."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.auth import init_data_for
from tests.support import free_port, serving

BOT_TOKEN = "123456:test-bot-token"
OPERATOR_KEY = "operator-key-0123456789"
OP = {"X-API-Key": OPERATOR_KEY}
PEOPLE = [{"id": 4242, "language_code": "en"}, {"id": 4343, "language_code": "ru"}, {"id": 4444}]
URL = "/api/v1/admin/broadcasts"
BODY = {
    "text": "Hello <b>friends</b> & <a href='https://t.me/x'>all</a>",
    "button_text": "Shop",
    "button_url": "https://s.example/app",
}


@pytest.fixture
async def api(stack):
    port = free_port()
    settings = Settings(port=port, bot_token=Secret(BOT_TOKEN), api_keys=frozenset({Secret(OPERATOR_KEY)}), **stack)
    app = create_app(build_container(settings), sandbox=True)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        for someone in PEOPLE:
            auth = {"Authorization": f"tma {init_data_for(someone, BOT_TOKEN)}"}
            assert (await client.get("/api/v1/me", headers=auth)).status_code == 200
        yield client


def keyed(key: str) -> dict[str, str]:
    return {**OP, "Idempotency-Key": key}


async def listed(api: httpx.AsyncClient) -> list[dict[str, object]]:
    answer = await api.get(URL, headers=OP)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_a_preview_shows_the_checked_message_and_counts_the_segment(api):
    answer = await api.post(f"{URL}/preview", json=BODY, headers=OP)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "html": 'Hello <b>friends</b> &amp; <a href="https://t.me/x">all</a>',
        "text": "Hello friends & all",
        "button": {"text": "Shop", "url": "https://s.example/app"},
        "recipients": 3,
    }
    ru = await api.post(f"{URL}/preview", json={**BODY, "language": "ru"}, headers=OP)
    assert ru.json()["recipients"] == 1
    rich = await api.post(f"{URL}/preview", json={**BODY, "with_balance": True, "active_days": 7}, headers=OP)
    assert rich.json()["recipients"] == 0
    assert await listed(api) == []


async def test_a_broadcast_is_created_once_per_key_then_followed_and_cancelled(api):
    first = await api.post(URL, json=BODY, headers=keyed("b-1"))
    assert first.status_code == 201, first.text
    assert first.headers["idempotent-replayed"] == "false"
    made = first.json()
    assert made["status"] == "sending" and made["progress"]["total"] == 3 and made["progress"]["pending"] == 3
    again = await api.post(URL, json=BODY, headers=keyed("b-1"))
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == made["id"]
    other = await api.post(URL, json={**BODY, "text": "other"}, headers=keyed("b-1"))
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    assert [b["id"] for b in await listed(api)] == [made["id"]]
    one = await api.get(f"{URL}/{made['id']}", headers=OP)
    assert one.status_code == 200 and one.json()["segment"] == {
        "language": None,
        "active_days": None,
        "with_balance": False,
    }
    cancelled = await api.post(f"{URL}/{made['id']}/cancel", headers=OP)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    twice = await api.post(f"{URL}/{made['id']}/cancel", headers=OP)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "broadcast_not_sending"


@pytest.mark.parametrize(
    "body",
    [
        {**BODY, "text": "<script>alert(1)</script>"},
        {**BODY, "text": "<b>open"},
        {**BODY, "text": "<a href='javascript:alert(1)'>x</a>"},
        {**BODY, "button_url": "http://plain.example"},
        {**BODY, "button_url": None},
        {**BODY, "language": "english!"},
        {**BODY, "text": "x" * 4097},
    ],
)
async def test_what_telegram_would_refuse_is_refused_before_anything_is_stored(api, body):
    for path, headers in ((f"{URL}/preview", OP), (URL, keyed("b-bad"))):
        answer = await api.post(path, json=body, headers=headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "broadcast_invalid"
    assert await listed(api) == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": "x" * 16_385},
        {**BODY, "active_days": 0},
        {**BODY, "active_days": "7"},
        {**BODY, "with_balance": "yes"},
        {**BODY, "button_text": "x" * 65},
    ],
)
async def test_malformed_or_oversized_bodies_are_refused(api, body):
    answer = await api.post(URL, json=body, headers=keyed("b-bad"))
    assert answer.status_code in (400, 422), answer.text
    assert await listed(api) == []


async def test_keys_ids_and_callers_are_checked(api):
    assert (await api.post(URL, json=BODY, headers=OP)).status_code == 400  # no Idempotency-Key
    assert (await api.post(URL, json=BODY, headers=keyed("bad key!"))).status_code == 400
    assert (await api.post(URL, json=BODY, headers={"Idempotency-Key": "k"})).status_code == 401
    stranger = {"X-API-Key": "not-an-operator-key-000", "Idempotency-Key": "k"}
    assert (await api.post(URL, json=BODY, headers=stranger)).status_code == 403
    assert (await api.get(f"{URL}/nope", headers=OP)).status_code == 404
    assert (await api.post(f"{URL}/nope/cancel", headers=OP)).status_code == 404
    assert (await api.get(f"{URL}/{'x' * 40}", headers=OP)).status_code in (404, 422)
    assert await listed(api) == []


async def test_concurrent_copies_of_one_request_make_one_broadcast(api):
    answers = await asyncio.gather(*(api.post(URL, json=BODY, headers=keyed("b-race")) for _ in range(6)))
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert [a.headers["idempotent-replayed"] for a in answers].count("false") == 1
    assert len(await listed(api)) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": "not-an-operator-key-000"},
        {"X-API-Key": OPERATOR_KEY + "x"},
        {"Authorization": f"tma {init_data_for(PEOPLE[0], BOT_TOKEN)}"},  # a user, not an operator
    ],
)
async def test_a_cancel_without_an_operators_key_leaves_the_broadcast_sending(api, headers):
    made = (await api.post(URL, json=BODY, headers=keyed("b-keep"))).json()
    refused = await api.post(f"{URL}/{made['id']}/cancel", headers=headers)
    assert refused.status_code in (401, 403), refused.text
    assert (await api.get(f"{URL}/{made['id']}", headers=OP)).json()["status"] == "sending"
