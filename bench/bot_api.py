"""starshop's local fake of the Telegram Bot API in a process of its own, for ``bench/bot.py``.

Prints its base URL on the first line of stdout, then serves on 127.0.0.1 until SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from starshop.testing.fakes import FakeBotApi


async def serve() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with FakeBotApi() as fake:
        print(fake.url, flush=True)
        while not stop.is_set():
            fake.clear()  # the benchmark counts replies itself; keep the fake's memory flat
            try:
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            except TimeoutError:
                continue


if __name__ == "__main__":
    asyncio.run(serve())
    sys.exit(0)
