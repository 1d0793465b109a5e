"""Dialog storage: memory when embedded, Redis when STARSHOP_REDIS_URL is set, so every instance sees a dialog."""

import uuid

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage

from starshop.adapters.redis import redis_from_url
from starshop.entrypoints.ioc.telegram import make_bot_parts
from starshop.entrypoints.settings import Secret, Settings

TOKEN = "4242:storage-test-token"


async def test_without_redis_the_dialog_storage_is_in_memory():
    parts = make_bot_parts(Settings(bot_token=Secret(TOKEN)).sections().bot)
    try:
        assert isinstance(parts.storage, MemoryStorage)
    finally:
        await parts.close()


@pytest.mark.redis
async def test_with_redis_two_instances_share_a_dialog():
    settings = Settings(bot_token=Secret(TOKEN), redis_url="redis://127.0.0.1:6379/0")
    one, two = make_bot_parts(settings.sections().bot), make_bot_parts(settings.sections().bot)
    key = StorageKey(bot_id=4242, chat_id=int(uuid.uuid4().int % 10**9), user_id=1)
    try:
        assert isinstance(one.storage, RedisStorage)
        await one.storage.set_state(key, "BuyFlow:recipient")
        await one.storage.set_data(key, {"stars": 250})
        assert await two.storage.get_state(key) == "BuyFlow:recipient"
        assert await two.storage.get_data(key) == {"stars": 250}
    finally:
        await one.storage.set_state(key, None)
        await one.storage.set_data(key, {})
        await one.close()
        await two.close()


@pytest.mark.redis
async def test_with_redis_data_kept_under_a_destiny_on_one_instance_is_seen_by_another_under_the_shop_prefix():
    """Destinies are on: aiogram's default Redis key builder refuses them."""
    prefix = f"storage-test-{uuid.uuid4().hex[:8]}:"
    settings = Settings(bot_token=Secret(TOKEN), redis_url="redis://127.0.0.1:6379/0", redis_prefix=prefix)
    one, two = make_bot_parts(settings.sections().bot), make_bot_parts(settings.sections().bot)
    user = int(uuid.uuid4().int % 10**9)
    try:
        key = StorageKey(bot_id=4242, chat_id=user, user_id=user, destiny="starshop_test")
        assert await two.storage.get_data(key) == {}
        await one.storage.set_data(key, {"kept": "ru"})
        assert await two.storage.get_data(key) == {"kept": "ru"}
        client = redis_from_url(settings.redis_url)
        try:
            keys = [key async for key in client.scan_iter(f"{prefix}*")]
            assert keys and all(key.startswith(f"{prefix}fsm:") for key in keys)
            await client.delete(*keys)
        finally:
            await client.aclose()
    finally:
        await one.close()
        await two.close()
