"""Operator money commands through the fake Bot API on both stacks, assembled as ``starshop run`` assembles them:
exactly once however Telegram re-sends an update, and bounded like the operator API."""

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
from starshop.entrypoints.settings import Secret, Settings
from starshop.entrypoints.web import create_app
from starshop.testing.fakes import FakeBotApi
from tests.support import free_port, serving

TOKEN = "4242:fake-token-for-tests"
SECRET = "s3cret-token_for-tests"
ADMIN = 900
CUSTOMER = 1014


def tg_update(update_id: int, text: str, *, sender: int = ADMIN, message_id: int) -> dict[str, Any]:
    """A message update as Telegram sends it."""
    user = {"id": sender, "is_bot": False, "first_name": "Op", "language_code": "en"}
    chat = {"id": sender, "type": "private"}
    message = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": user, "text": text}
    return {"update_id": update_id, "message": message}


class Shop:
    """One running instance: the web app with the bot mounted in webhook or polling mode."""

    def __init__(self, url: str, container: AsyncContainer, fake: FakeBotApi) -> None:
        self.url, self.container, self.fake = url, container, fake
        self._message_ids = iter(range(1, 10**6))

    def update(
        self, update_id: int, text: str, *, sender: int = ADMIN, message_id: int | None = None
    ) -> dict[str, Any]:
        return tg_update(update_id, text, sender=sender, message_id=message_id or next(self._message_ids))

    async def post(self, update: dict[str, Any]) -> int:
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(f"{self.url}/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
        return answer.status_code

    async def ledger(self) -> tuple[str, list[tuple[str, str]]]:
        async with self.container() as scope:
            balance = await (await scope.get(GetBalance))(CUSTOMER)
            found = await (await scope.get(SearchTransactions))(
                TransactionSearch(filter=TransactionFilter(user_id=CUSTOMER), page_size=100)
            )
        return format(balance.amount.amount, "f"), sorted(
            (t.type.value, format(t.amount.amount, "f")) for t in found.items
        )

    def replies_to(self, chat_id: int) -> list[str]:
        return [c.text or "" for c in self.fake.calls_to("sendMessage") if c.params.get("chat_id") == chat_id]


@asynccontextmanager
async def running(stack: dict[str, object], fake: FakeBotApi, mode: str = "webhook") -> AsyncIterator[Shop]:
    port = free_port()
    settings = Settings(
        port=port,
        public_url=f"http://127.0.0.1:{port}",
        bot_token=Secret(TOKEN),
        bot_mode=mode,
        bot_webhook_secret=Secret(SECRET),
        telegram_url=fake.url,
        admin_ids=frozenset({ADMIN}),
        rate_limits={"message": (1000, 60.0)},
        **stack,  # type: ignore[arg-type]
    )
    sections = settings.sections()
    assert sections.bot is not None
    bot = make_bot_parts(sections.bot)
    container = build_container(sections, bot=bot)
    mounted = _mount_bot(sections.bot, sections.redis, container, bot)
    pieces = [partial(closing, bot.close), *mounted.pieces]
    app = create_app(container, sandbox=True, routes=mounted.routes, pieces=pieces)
    async with serving(app, port) as url:
        yield Shop(url, container, fake)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def shop(stack: dict[str, object], fake: FakeBotApi) -> AsyncIterator[Shop]:
    async with running(stack, fake) as s:
        assert await s.post(s.update(1, "/start", sender=CUSTOMER)) == 200
        yield s


COMMANDS = [
    ("/bonus 1014 25", ("25.00", [("bonus", "25.00")])),
    ("/adjust 1014 7.50 goodwill", ("7.50", [("adjustment", "7.50")])),
]


@pytest.mark.parametrize(("command", "after"), COMMANDS, ids=["bonus", "adjust"])
@pytest.mark.parametrize("status", [429, 500, 502])
async def test_a_failed_reply_after_the_grant_is_a_200_and_a_resent_update_grants_nothing_more(
    shop: Shop, command: str, after: tuple[str, list[tuple[str, str]]], status: int
) -> None:
    shop.fake.fail_next("sendMessage", status=status, retry_after=1 if status == 429 else None, chat_id=ADMIN, times=2)
    update = shop.update(2, command)
    assert await shop.post(update) == 200  # handled: Telegram has no reason to send it again
    assert await shop.ledger() == after
    assert await shop.post(update) == 200  # Telegram sends it again anyway (our 200 was lost)
    assert await shop.ledger() == after


@pytest.mark.parametrize(("command", "after"), COMMANDS, ids=["bonus", "adjust"])
async def test_a_command_delivered_again_after_a_restart_replays_instead_of_moving_money_again(
    stack: dict[str, object], fake: FakeBotApi, command: str, after: tuple[str, list[tuple[str, str]]]
) -> None:
    """Polling: the process stops after the grant and before it confirmed the update; the next one gets it again."""
    grant = tg_update(2, command, message_id=77)
    fake.queue_update(tg_update(1, "/start", sender=CUSTOMER, message_id=1))
    async with running(stack, fake, mode="polling") as one:
        await fake.wait_for("sendMessage", 1, within=15)  # polling handles updates concurrently: one at a time here
        fake.queue_update(grant)
        await fake.wait_for("sendMessage", 2, within=15)
        assert await one.ledger() == after
    fake.updates.clear()
    fake.queue_update(dict(grant))  # Telegram never saw the confirmation: the same update, the same message
    async with running(stack, fake, mode="polling") as two:
        await fake.wait_for("sendMessage", 3, within=15)
        assert await two.ledger() == after
        first, again = two.replies_to(ADMIN)
    tx_id = first.rstrip(".").rsplit(" ", 1)[1]
    assert "already" in again
    assert again.rstrip(".").endswith(tx_id)


@pytest.mark.parametrize(("command", "after"), COMMANDS, ids=["bonus", "adjust"])
async def test_one_command_message_delivered_many_times_at_once_moves_money_once(
    shop: Shop, command: str, after: tuple[str, list[tuple[str, str]]]
) -> None:
    updates = [shop.update(10 + i, command, message_id=500) for i in range(10)]
    assert await asyncio.gather(*(shop.post(u) for u in updates)) == [200] * 10
    assert await shop.ledger() == after
    replies = shop.replies_to(ADMIN)
    assert len(replies) == 10
    assert len({r.rstrip(".").rsplit(" ", 1)[1] for r in replies}) == 1  # every reply names the one transaction


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("/bonus 1014 1e3", "«1e3» is not an amount. Send a number, for example 12.50."),
        ("/bonus 1014 NaN", "«NaN» is not an amount. Send a number, for example 12.50."),
        ("/bonus 1014 \u0665", "«\u0665» is not an amount. Send a number, for example 12.50."),
        ("/adjust 1014 -1e2 typo", "«-1e2» is not an amount. Send a number, for example 12.50."),
        ("/bonus 1014 5.001", "Use at most 2 digits after the decimal point."),
        ("/bonus 1014 1000.01", "An operator amount is at most 1000.00 USD (STARSHOP_OPERATOR_MAX_AMOUNT)."),
        (
            "/bonus 1014 99999999999999999999999999",
            "An operator amount is at most 1000.00 USD (STARSHOP_OPERATOR_MAX_AMOUNT).",
        ),
        ("/adjust 1014 -1000.01 typo", "An operator amount is at most 1000.00 USD (STARSHOP_OPERATOR_MAX_AMOUNT)."),
        ("/bonus 99999999999999999999 5", "«99999999999999999999» is not a Telegram user id."),
        ("/bonus 0 5", "«0» is not a Telegram user id."),
        ("/bonus -1014 5", "«-1014» is not a Telegram user id."),
        ("/bonus \u0661\u0660\u0661\u0664 5", "«\u0661\u0660\u0661\u0664» is not a Telegram user id."),
        ("/adjust 1014 5", "Usage: /adjust <user id> <amount, may be negative> <reason>"),
    ],
)
async def test_operator_arguments_out_of_bounds_get_a_text_and_move_nothing(
    shop: Shop, command: str, reply: str
) -> None:
    assert await shop.post(shop.update(2, command)) == 200
    assert shop.replies_to(ADMIN) == [reply]
    assert await shop.ledger() == ("0.00", [])


async def test_the_ceiling_itself_is_granted(shop: Shop) -> None:
    assert await shop.post(shop.update(2, "/bonus 1014 1000,00")) == 200
    assert await shop.ledger() == ("1000.00", [("bonus", "1000.00")])
