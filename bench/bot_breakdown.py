"""Where a ``/balance`` update's time goes: figure 3 again with starshop's parts taken out one after another.

Not one of the figures (``make bench`` does not run it): it answers "what would the bot ratio be without X".
Each row is the same run as ``bench/bot.py`` (same fake Bot API, updates and concurrency) with, cumulatively:
the rate limiter answering "allowed" without asking Redis, ``GetBalance`` answering without the database, and the
language lookup skipped. The parts are replaced in this process only, for measuring; the shop never runs so.

Usage: ``python bench/bot_breakdown.py [--count 3000] [--users 512]``.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from _common import heading, line
from bot import FUNDS, bare_dispatcher, run_dispatcher, shop_and_bot_api, workload, workload_parser

from starshop.application.use_cases.get_balance import GetBalance
from starshop.domain import Balance, Currency, Money
from starshop.entrypoints.bot import middlewares as bot_middlewares


async def _allowed(self: Any, handler: Any, event: Any, data: dict[str, Any]) -> Any:
    data.setdefault("lang", "en")
    return await handler(event, data)


async def main() -> int:
    args = workload_parser(__doc__).parse_args()
    heading("Where a /balance update's time goes (cumulative removals)")
    users, warm, timed = workload(args)
    rows: list[tuple[str, float]] = []
    async with shop_and_bot_api(users) as (url, starshop_dispatcher, expected):

        async def rate(dp: Any) -> float:
            return float((await run_dispatcher(dp, url, warm, timed, expected))["rate"])

        async def stored(_: GetBalance, user_id: int) -> Balance:
            usd = Currency.of("USD")  # what seed_readers gave everyone
            return Balance(user_id, Money.of(FUNDS, usd), Money.of("0", usd))

        rows.append(("bare aiogram handler", await rate(bare_dispatcher(expected))))
        rows.append(("starshop, as it runs", await rate(starshop_dispatcher())))
        bot_middlewares.ThrottlingMiddleware.__call__ = _allowed  # type: ignore[method-assign]
        rows.append(("  without the Redis rate limiter", await rate(starshop_dispatcher())))
        GetBalance.__call__ = stored  # type: ignore[method-assign]
        rows.append(("  and without the database read", await rate(starshop_dispatcher())))
        bot_middlewares.LanguageMiddleware.__call__ = _allowed  # type: ignore[method-assign]
        rows.append(("  and without the language lookup", await rate(starshop_dispatcher())))
    bare = rows[0][1]
    for label, value in rows:
        line(label, f"{value:8.1f} updates/s   {1000 / value:5.2f} ms each   {value / bare:6.1%} of bare")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
