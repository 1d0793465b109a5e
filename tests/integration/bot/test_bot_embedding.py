"""The embedding example of docs/bot.md runs: your own handlers and starshop's share one Dispatcher."""

import importlib.util
import time
from pathlib import Path
from types import ModuleType

from aiogram.types import Update

from starshop.testing.fakes import FakeBotApi

from .conftest import make_bot

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "embed_bot.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("embed_bot_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_embedding_example_serves_both_projects(fake: FakeBotApi) -> None:
    example = load_example()
    dp, container = example.build(admin_ids=frozenset({900}))
    bot = make_bot(fake)
    await dp.emit_startup(bot=bot)
    user = {"id": 101, "is_bot": False, "first_name": "Alice", "language_code": "ru"}
    try:
        for update_id, text in enumerate(["/ping", "/start", "/hello"], start=1):
            message = {"message_id": update_id, "date": int(time.time()), "chat": {"id": 101, "type": "private"}}
            update = {"update_id": update_id, "message": {**message, "from": user, "text": text}}
            await dp.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
    finally:
        await bot.session.close()
        await container.close()
    texts = [c.text or "" for c in fake.calls_to("sendMessage")]
    assert texts[0] == "pong"
    assert texts[1].startswith("Добро пожаловать в Starshop, Alice!")
    assert len(texts) == 2  # an unknown command is nobody's: starshop does not answer what is not its own
