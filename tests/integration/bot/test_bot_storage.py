"""Dialog storage: memory when embedded, Redis when STARSHOP_REDIS_URL is set, so every instance sees a dialog."""

import uuid

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage

from starshop.entrypoints.settings import Secret, Settings
from starshop.entrypoints.telegram import make_bot_parts

TOKEN = "4242:storage-test-token"


async def test_without_redis_the_dialog_storage_is_in_memory():
    parts = make_bot_parts(Settings(bot_token=Secret(TOKEN)))
    try:
        assert isinstance(parts.storage, MemoryStorage)
    finally:
        await parts.close()


@pytest.mark.redis
async def test_with_redis_two_instances_share_a_dialog():
    settings = Settings(bot_token=Secret(TOKEN), redis_url="redis://127.0.0.1:6379/0")
    one, two = make_bot_parts(settings), make_bot_parts(settings)
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
