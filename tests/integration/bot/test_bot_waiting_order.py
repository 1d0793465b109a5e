# ruff: noqa: RUF001  (the bot's texts carry emoji and dashes)
"""An order refused for lack of money resumes by itself, end to end on both stacks as ``starshop run`` assembles
them (the app, the bot in webhook mode, the worker): the user confirms once, pays the top-up on the sandbox's
invoice page (its signed webhook credits it), and the worker places the order, delivers it and tells the user,
once, however often the payment's webhook arrives."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import httpx
import pytest
from dishka import AsyncContainer

from starshop.application.ports import TransactionFilter
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.search_transactions import SearchTransactions, TransactionSearch
from starshop.entrypoints.bot import SECRET_HEADER
from starshop.entrypoints.cli import _mount_bot
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.ioc.telegram import make_bot_parts
from starshop.entrypoints.runtime import closing
from starshop.entrypoints.settings import Secret, Settings, WorkerSettings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.worker import worker_pieces
from starshop.testing.fakes import FakeBotApi
from tests.support import free_port, serving

TOKEN = "4243:fake-token-for-tests"
SECRET = "s3cret-token_for-waiting"
USER = 1015


class Running:
    def __init__(self, url: str, container: AsyncContainer, fake: FakeBotApi) -> None:
        self.url, self.container, self.fake = url, container, fake
        self._ids = iter(range(1, 10**6))

    def _user(self) -> dict[str, Any]:
        return {"id": USER, "is_bot": False, "first_name": "Wes", "username": "wes_waits", "language_code": "en"}

    async def _post(self, update: dict[str, Any]) -> None:
        update["update_id"] = next(self._ids)
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(f"{self.url}/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
        assert answer.status_code == 200, answer.text

    async def send(self, text: str) -> None:
        chat = {"id": USER, "type": "private"}
        message = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat, "from": self._user()}
        await self._post({"message": {**message, "text": text}})

    async def press(self, data: str, message_id: int) -> None:
        bot_message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": USER, "type": "private"},
            "from": {"id": 4243, "is_bot": True, "first_name": "Starshop"},
            "text": "...",
        }
        query = {"id": f"cq{next(self._ids)}", "from": self._user(), "chat_instance": "1", "data": data}
        await self._post({"callback_query": {**query, "message": bot_message}})

    def button(self, prefix: str) -> tuple[dict[str, Any], int]:
        """The last button the bot showed whose callback data or url starts with ``prefix``, and its message id."""
        found = [
            (b, c.message_id)
            for c in self.fake.sent
            for row in c.keyboard or []
            for b in row
            if str(b.get("callback_data", b.get("url", ""))).startswith(prefix)
        ]
        assert found, prefix
        button, message_id = found[-1]
        assert message_id is not None
        return button, message_id

    def texts(self) -> list[str]:
        return [c.text or "" for c in self.fake.sent if c.params.get("chat_id") == USER]

    async def ledger(self) -> tuple[str, list[tuple[str, str, str]]]:
        async with self.container() as scope:
            balance = await (await scope.get(GetBalance))(USER)
            found = await (await scope.get(SearchTransactions))(
                TransactionSearch(filter=TransactionFilter(user_id=USER), page_size=100)
            )
        rows = sorted((t.type.value, t.status.value, format(t.amount.amount, "f")) for t in found.items)
        return format(balance.amount.amount, "f"), rows


@asynccontextmanager
async def running(stack: dict[str, object], fake: FakeBotApi) -> AsyncIterator[Running]:
    port = free_port()
    settings = Settings(
        port=port,
        public_url=f"http://127.0.0.1:{port}",
        bot_token=Secret(TOKEN),
        bot_mode="webhook",
        bot_webhook_secret=Secret(SECRET),
        telegram_url=fake.url,
        rate_limits={"message": (1000, 60.0)},
        **stack,  # type: ignore[arg-type]
    )
    sections = settings.sections()
    assert sections.bot is not None
    bot = make_bot_parts(sections.bot)
    container = build_container(sections, bot=bot)
    mounted = _mount_bot(sections.bot, sections.redis, container, bot)
    worker = worker_pieces(container, WorkerSettings(relay_every=0.05, sweep_every=5))
    pieces = [partial(closing, bot.close), *worker, *mounted.pieces]
    app = create_app(container, sandbox=True, routes=mounted.routes, pieces=pieces)
    async with serving(app, port) as url:
        yield Running(url, container, fake)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


async def eventually(check: Any, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_refused_order_is_placed_once_its_top_up_is_paid_and_delivered_with_its_reference(
    stack: dict[str, object], fake: FakeBotApi
) -> None:
    async with running(stack, fake) as shop:
        await shop.send("/start")
        await shop.send("/buy 100 @bob_gift")
        confirm, on = shop.button("bc:1:")
        await shop.press(confirm["callback_data"], on)
        offer, on = shop.button("bt:")
        assert offer["text"] == "➕ Top up 1.65 USD and buy"
        assert shop.texts()[-1].startswith("Not enough money on your balance: 1.65 USD is missing. Top up 1.65 USD")
        await shop.press(offer["callback_data"], on)
        await shop.press(offer["callback_data"], on)  # pressed twice: one top-up
        pay, _ = shop.button("http")
        assert pay["text"] == "💳 Pay 1.65 USD"
        assert any(t.startswith("🧾 Top-up of 1.65 USD for your order of 100 ⭐ for @bob_gift") for t in shop.texts())
        invoice = pay["url"].rsplit("/", 1)[-1]
        async with httpx.AsyncClient(timeout=30) as client:
            for _ in range(3):  # the payment's webhook, and Heleket sending it again
                paid = await client.post(f"{shop.url}/sandbox/invoices/{invoice}/pay")
                assert paid.status_code == 200, paid.text

        await eventually(lambda: any(t.startswith("⭐ Delivered") for t in shop.texts()))
        await asyncio.sleep(0.5)  # anything sent twice would show by now
        texts = shop.texts()
        placed = [t for t in texts if t.startswith("✅ Your top-up arrived and your order is placed")]
        delivered = [t for t in texts if t.startswith("⭐ Delivered")]
        assert placed == [
            "✅ Your top-up arrived and your order is placed: 100 stars for @bob_gift, 1.65 USD reserved on your "
            "balance. I will tell you as soon as the stars are delivered."
        ]
        assert len(delivered) == 1
        assert delivered[0].startswith("⭐ Delivered: 100 stars to @bob_gift for 1.65 USD.\n🧾 Provider reference: ")
        assert await shop.ledger() == (
            "0.00",
            [("purchase", "completed", "1.65"), ("recharge", "completed", "1.65")],
        )
