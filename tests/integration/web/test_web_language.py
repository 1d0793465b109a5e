"""The user's language over real HTTP on both stacks: ``PUT /api/v1/me/language`` stores the choice on the user's
row, ``GET /api/v1/me`` gives it back (the bot reads the same row), a flush of Redis loses nothing, and anything
but a language we speak is refused with nothing changed."""

import time

import httpx
import pytest

from starshop.adapters.redis import redis_from_url
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.auth import sign_init_data
from tests.support import free_port, serving

BOT_TOKEN = "123456:test-bot-token"
ALICE = '{"id": 4242, "username": "alice", "language_code": "en"}'


def opened_by(user: str) -> dict[str, str]:
    fields = {"auth_date": str(int(time.time())), "user": user}
    return {"Authorization": f"tma {sign_init_data(fields, BOT_TOKEN)}"}


@pytest.fixture
async def api(stack):
    port = free_port()
    settings = Settings(port=port, bot_token=Secret(BOT_TOKEN), **stack)
    app = create_app(build_container(settings), sandbox=True)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        client.headers.update(opened_by(ALICE))
        yield client, stack


async def language(api: httpx.AsyncClient) -> object:
    me = await api.get("/api/v1/me")
    assert me.status_code == 200, me.text
    return me.json()["language"]


async def test_the_chosen_language_is_stored_read_back_and_survives_a_redis_flush(api):
    client, stack = api
    assert await language(client) is None  # nothing chosen yet: the storefront follows Telegram's language_code
    chosen = await client.put("/api/v1/me/language", json={"language": "ru"})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json() == {"language": "ru"}
    again = await client.put("/api/v1/me/language", json={"language": "ru"})  # the same again: no change
    assert again.status_code == 200 and again.json() == {"language": "ru"}
    if stack.get("redis_url"):
        redis = redis_from_url(str(stack["redis_url"]))
        try:
            keys = [key async for key in redis.scan_iter(f"{stack['redis_prefix']}*")]
            if keys:
                await redis.delete(*keys)
        finally:
            await redis.aclose()
    assert await language(client) == "ru"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"language": "de"}, 422),  # a language the shop does not speak
        ({"language": "RU"}, 422),
        ({"language": 1}, 422),
        ({"language": None}, 422),
        ({}, 422),
        ({"language": "ru" * 5000}, 422),  # oversized
        ("not json", 400),
    ],
)
async def test_anything_but_a_language_we_speak_is_refused_and_changes_nothing(api, body, status):
    client, _ = api
    assert (await client.put("/api/v1/me/language", json={"language": "en"})).status_code == 200
    if isinstance(body, str):
        answer = await client.put("/api/v1/me/language", content=body, headers={"Content-Type": "application/json"})
    else:
        answer = await client.put("/api/v1/me/language", json=body)
    assert answer.status_code == status, answer.text
    assert "code" in answer.json()["error"]
    assert await language(client) == "en"


async def test_a_forged_caller_cannot_set_a_language(api):
    client, _ = api
    forged = {"Authorization": "tma " + sign_init_data({"auth_date": str(int(time.time())), "user": ALICE}, "1:x")}
    answer = await client.put("/api/v1/me/language", json={"language": "ru"}, headers=forged)
    assert answer.status_code == 401
    assert await language(client) is None
