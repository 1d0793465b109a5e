"""Figure 3: bot updates handled per second for ``/balance``, starshop's Dispatcher against a bare aiogram handler.

- starshop: ``build_dispatcher`` (its router and middlewares: language, errors, throttling on the Redis rate limiter)
  on the production wiring (Postgres, Redis, the Redis dialog storage ``make_bot_parts`` gives it), the cache warm
  (every user has sent ``/balance`` once before the clock starts). Each update is parsed and fed to the
  Dispatcher; the handler reads the balance and replies.
- Baseline: a bare aiogram Dispatcher (aiogram's defaults: memory storage) whose one handler answers ``/balance``
  with the same text.
- Both talk to the same local fake Bot API, run in a process of its own, over real HTTP; updates are fed at a fixed
  concurrency; every reply is counted and compared with the expected text.

Usage: ``python bench/bot.py [--count 3000] [--users 512] [--profile FILE]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from _common import (
    BENCH_DIR,
    CONCURRENCY,
    REDIS_URL,
    clean_redis,
    heading,
    line,
    migrated_database,
    percentile,
    profiled,
    ratio_line,
    redis_prefix,
    result,
)
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiogram.methods import SendMessage
from aiogram.types import Message, Update

from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.grant_bonus import GrantBonus, OperatorCredit
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile
from starshop.domain import Currency, Money
from starshop.entrypoints.bot import build_dispatcher
from starshop.entrypoints.bot.render import balance as balance_text
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.ioc.telegram import dialog_storage
from starshop.entrypoints.settings import RedisSettings, Settings

TOKEN = "42:BENCH-TOKEN"
FUNDS = "10.00"


class CountReplies(BaseRequestMiddleware):
    """Counts what the bot sends, by text, on its way to the Bot API."""

    def __init__(self) -> None:
        self.texts: Counter[str] = Counter()

    async def __call__(self, make_request: Any, bot: Bot, method: Any) -> Any:
        if isinstance(method, SendMessage):
            self.texts[method.text] += 1
        return await make_request(bot, method)


def make_bot(url: str) -> tuple[Bot, CountReplies]:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
    counter = CountReplies()
    bot.session.middleware(counter)
    return bot, counter


def balance_update(update_id: int, user_id: int) -> dict[str, Any]:
    sender = {"id": user_id, "is_bot": False, "first_name": "Reader", "username": f"reader{user_id}"}
    sender["language_code"] = "en"
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private"},
        "from": sender,
        "text": "/balance",
    }
    return {"update_id": update_id, "message": message}


async def drive(dp: Dispatcher, bot: Bot, updates: list[dict[str, Any]]) -> dict[str, float]:
    """Feed the updates at a fixed concurrency; throughput and per-update latency."""
    latencies: list[float] = []
    position = 0

    async def worker() -> None:
        nonlocal position
        while position < len(updates):
            raw = updates[position]
            position += 1
            started = time.perf_counter()
            await dp.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    return {
        "rate": len(updates) / elapsed,
        "elapsed": elapsed,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


async def run_dispatcher(
    dp: Dispatcher, url: str, warm: list[dict], timed: list[dict], expected: str, profile: Path | None = None
) -> dict:
    bot, counter = make_bot(url)
    await dp.emit_startup(bot=bot)
    try:
        await drive(dp, bot, warm)
        counter.texts.clear()
        async with profiled(os.getpid(), profile):
            outcome = await drive(dp, bot, timed)
    finally:
        await dp.emit_shutdown(bot=bot)
        await bot.session.close()
    if counter.texts != Counter({expected: len(timed)}):
        raise SystemExit(
            f"bot: replies were {dict(counter.texts.most_common(3))}, expected {len(timed)} x {expected!r}"
        )
    return outcome


def bare_dispatcher(reply: str) -> Dispatcher:
    router = Router()

    @router.message(Command("balance"))
    async def balance(message: Message) -> None:
        await message.answer(reply)

    dp = Dispatcher()
    dp.include_router(router)
    return dp


def workload_parser(doc: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=3000, help="timed updates for each Dispatcher (default 3000)")
    parser.add_argument("--users", type=int, default=512, help="users sending /balance (default 512)")
    return parser


def workload(args: argparse.Namespace) -> tuple[list[int], list[dict[str, Any]], list[dict[str, Any]]]:
    """The users, one warm-up ``/balance`` from each, and the timed updates (spread over the users in turn)."""
    users = list(range(1, args.users + 1))
    warm = [balance_update(i + 1, users[i % len(users)]) for i in range(len(users))]
    timed = [balance_update(len(warm) + i + 1, users[i % len(users)]) for i in range(args.count)]
    return users, warm, timed


async def seed_readers(container: Any, users: list[int]) -> str:
    """Register every user with the same balance; the reply each ``/balance`` must get."""
    for user_id in users:
        async with container() as scope:
            profile = TelegramProfile(user_id=user_id, username=f"reader{user_id}", language_code="en")
            await (await scope.get(RegisterUser))(profile)
        async with container() as scope:
            money = Money.of(FUNDS, Currency.of("USD"))
            credit = OperatorCredit(operator_id=1, user_id=user_id, amount=money, reason="bench")
            await (await scope.get(GrantBonus))(credit)
    async with container() as scope:
        return balance_text("en", await (await scope.get(GetBalance))(users[0]))


@contextlib.asynccontextmanager
async def shop_and_bot_api(users: list[int]) -> AsyncIterator[tuple[str, Callable[[], Dispatcher], str]]:
    """The fake Bot API's URL, a maker of starshop's Dispatcher on the production wiring (a fresh database with
    ``users`` seeded, Redis, aiogram's ``RedisStorage`` for dialogs and languages), and the expected reply."""
    prefix = redis_prefix()
    api, url = await start_bot_api()
    storage = dialog_storage(RedisSettings(url=REDIS_URL, prefix=prefix))  # as make_bot_parts builds it
    try:
        async with migrated_database() as (_, db_url):
            container = build_container(Settings(database_url=db_url, redis_url=REDIS_URL, redis_prefix=prefix))
            try:
                expected = await seed_readers(container, users)
                yield url, lambda: build_dispatcher(container, storage=storage), expected
            finally:
                await container.close()
    finally:
        await storage.close()
        api.terminate()
        await api.wait()
        await clean_redis(prefix)


async def start_bot_api() -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(BENCH_DIR / "bot_api.py"), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    url = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        raise SystemExit(f"bot: the fake Bot API did not start ({url!r})")
    return process, url


async def main() -> int:
    parser = workload_parser(__doc__)
    parser.add_argument("--profile", type=Path, default=None, help="write py-spy's samples of starshop's timed run")
    args = parser.parse_args()
    heading("Figure 3: bot updates per second for /balance")
    users, warm, timed = workload(args)
    async with shop_and_bot_api(users) as (url, starshop_dispatcher, expected):
        bare = await run_dispatcher(bare_dispatcher(expected), url, warm, timed, expected)
        shop = await run_dispatcher(starshop_dispatcher(), url, warm, timed, expected, args.profile)
    line(
        "starshop Dispatcher (middlewares, Postgres, Redis)",
        f"{shop['rate']:8.1f} updates/s   p50 {shop['p50_ms']:.1f} ms   p99 {shop['p99_ms']:.1f} ms"
        f"   ({args.count} updates, concurrency {CONCURRENCY})",
    )
    line(
        "baseline: bare aiogram handler, same text",
        f"{bare['rate']:8.1f} updates/s   p50 {bare['p50_ms']:.1f} ms   p99 {bare['p99_ms']:.1f} ms",
    )
    ratio = ratio_line("ratio to bare aiogram", shop["rate"], bare["rate"], 0.50)
    result(
        "bot",
        rate=round(shop["rate"], 1),
        p50_ms=round(shop["p50_ms"], 1),
        p99_ms=round(shop["p99_ms"], 1),
        bare=round(bare["rate"], 1),
        ratio_bare=round(ratio, 3),
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
