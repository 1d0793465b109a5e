"""The referral link needs the bot's username, asked of Telegram: an answer that does not come in time leaves the link
out instead of holding the request (the code, start_param and totals are still given)."""

import asyncio
from types import SimpleNamespace

import pytest

from starshop.entrypoints.ioc import telegram  # noqa: F401  (a process with a bot has its wiring imported)
from starshop.entrypoints.web.api import referrals


class _Bot:
    def __init__(self, delay: float) -> None:
        self.delay = delay

    async def me(self) -> SimpleNamespace:
        await asyncio.sleep(self.delay)
        return SimpleNamespace(username="starshop_bot")


class _Container:
    def __init__(self, bot: _Bot) -> None:
        self.bot = bot

    async def get(self, _: object) -> SimpleNamespace:
        return SimpleNamespace(bot=self.bot)


def _request(bot: _Bot) -> SimpleNamespace:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(dishka_container=_Container(bot))))


async def test_the_username_comes_from_telegram() -> None:
    assert await referrals.bot_username(_request(_Bot(0))) == "starshop_bot"  # type: ignore[arg-type]


async def test_telegram_not_answering_in_time_leaves_the_link_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(referrals, "ASK_TELEGRAM_FOR", 0.05)
    assert await referrals.bot_username(_request(_Bot(30))) is None  # type: ignore[arg-type]
