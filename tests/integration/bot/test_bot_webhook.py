"""Webhook mode through Litestar over real HTTP: the secret is checked, updates are handled before the answer,
and a repeated update_id is handled once."""

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from starshop.entrypoints.bot import SECRET_HEADER, telegram_lifespan, telegram_webhook_handler
from starshop.testing.fakes import FakeBotApi
from tests.support import serving

from .conftest import BotHarness, bot_harness

SECRET = "s3cret-token_for-tests"


def update(update_id: int, text: str = "/help") -> dict[str, object]:
    user = {"id": 101, "is_bot": False, "first_name": "Alice", "language_code": "en"}
    message = {"message_id": update_id, "date": int(time.time()), "chat": {"id": 101, "type": "private"}}
    return {"update_id": update_id, "message": {**message, "from": user, "text": text}}


@pytest.fixture
async def served(fake: FakeBotApi) -> AsyncIterator[tuple[str, BotHarness]]:
    async with bot_harness(fake) as harness:
        route = telegram_webhook_handler(harness.dp, harness.bot, SECRET)
        # the harness already started the Dispatcher; a real app passes telegram_lifespan(dp, bot) instead
        app = Litestar(route_handlers=[route])
        async with serving(app) as url:
            yield f"{url}/webhooks/telegram", harness


async def post(url: str, body: object, secret: str | None = SECRET) -> httpx.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with httpx.AsyncClient() as client:
        return await client.post(url, json=body, headers=headers)


async def test_a_missing_secret_is_refused_with_401_and_nothing_is_handled(served: tuple[str, BotHarness]) -> None:
    url, harness = served
    assert (await post(url, update(1), secret=None)).status_code == 401
    assert harness.fake.calls == []


async def test_a_wrong_secret_is_refused_with_403_and_nothing_is_handled(served: tuple[str, BotHarness]) -> None:
    url, harness = served
    assert (await post(url, update(1), secret="guess")).status_code == 403
    assert harness.fake.calls == []


async def test_the_update_is_handled_before_the_200(served: tuple[str, BotHarness]) -> None:
    url, harness = served
    response = await post(url, update(1))
    assert response.status_code == 200
    # no waiting: by the time Telegram gets its 200, the reply was sent
    assert [c.method for c in harness.fake.calls] == ["sendMessage"]
    assert (harness.fake.calls[0].text or "").startswith("⭐ Starshop sells Telegram Stars.")


async def test_a_repeated_update_id_is_handled_once(served: tuple[str, BotHarness]) -> None:
    url, harness = served
    first, second = await asyncio.gather(post(url, update(7)), post(url, update(7)))
    third = await post(url, update(7))
    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 200]
    assert len(harness.fake.calls_to("sendMessage")) == 1
    assert (await post(url, update(8))).status_code == 200
    assert len(harness.fake.calls_to("sendMessage")) == 2


async def test_a_malformed_update_is_a_400(served: tuple[str, BotHarness]) -> None:
    url, _ = served
    assert (await post(url, {"nothing": "here"})).status_code == 400


async def test_the_lifespan_starts_the_dispatcher_for_the_route(fake: FakeBotApi) -> None:
    async with bot_harness(fake) as harness:
        route = telegram_webhook_handler(harness.dp, harness.bot, SECRET)
        app = Litestar(route_handlers=[route], lifespan=[telegram_lifespan(harness.dp, harness.bot)])
        async with serving(app) as url:
            assert (await post(f"{url}/webhooks/telegram", update(3, "/lang"))).status_code == 200
        assert harness.fake.calls[0].text == "Choose your language:"


def test_a_webhook_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        telegram_webhook_handler(None, None, "")  # type: ignore[arg-type]


@pytest.mark.redis
async def test_two_instances_sharing_redis_handle_a_retried_update_once(fake: FakeBotApi) -> None:
    import uuid

    from starshop.adapters.redis import RedisCache, redis_from_url
    from starshop.entrypoints.bot import UpdateDeduplicator

    client = redis_from_url("redis://127.0.0.1:6379/0")
    shared = RedisCache(client, prefix=f"test-{uuid.uuid4().hex[:8]}:")
    try:
        async with bot_harness(fake) as harness:
            urls = []
            for _ in range(2):  # two web instances: their own in-process memory, one Redis
                route = telegram_webhook_handler(
                    harness.dp, harness.bot, SECRET, deduplicator=UpdateDeduplicator(shared=shared)
                )
                urls.append(serving(Litestar(route_handlers=[route])))
            async with urls[0] as one, urls[1] as two:
                answers = await asyncio.gather(
                    post(f"{one}/webhooks/telegram", update(41)), post(f"{two}/webhooks/telegram", update(41))
                )
                again = await post(f"{two}/webhooks/telegram", update(41))
            assert [a.status_code for a in [*answers, again]] == [200, 200, 200]
            assert len(harness.fake.calls_to("sendMessage")) == 1
    finally:
        await client.aclose()


async def test_an_update_another_instance_holds_too_long_is_a_503_each_time_and_never_a_hang() -> None:
    """Timing out on the shared claim must not leave a local wait behind for the next delivery of the update."""
    from starshop.adapters.inprocess import InProcessCache
    from starshop.entrypoints.bot import UpdateDeduplicator

    shared = InProcessCache()
    await shared.set("tg:update:7", "in-flight", ttl=60)  # another instance is handling it, and stays busy
    dedup = UpdateDeduplicator(shared=shared, wait=0.2)
    for _ in range(2):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(dedup.claim(7), 5)
    await shared.set("tg:update:7", "done", ttl=60)  # the other instance finished
    assert await asyncio.wait_for(dedup.claim(7), 5) is False
