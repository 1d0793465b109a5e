"""Figure 4: resident memory of ``starshop run`` (embedded default) idle, and after 10,000 paid webhooks.

- The app: ``starshop run`` in a temporary directory (SQLite ``./starshop.db``, in-process twins, sandbox
  delivery), with the Heleket adapter pointed at a local ``FakeHeleket`` (so that we know the payment key and can
  sign webhooks ourselves). Recharges are created through ``POST /api/v1/recharges`` with Mini App initData (signed
  as ``/sandbox/login`` signs it: with the sandbox bot token, since no bot token is configured), then each one's
  signed ``paid`` webhook is posted; RSS and peak RSS are read from /proc once the outbox is drained.
- Baseline: the bare Litestar app of figure 1 under the same uvicorn, idle and after the same 10,000 webhooks.
- Goal: at most 150 MB resident after the webhooks.

Usage: ``python bench/memory.py [--webhooks 10000] [--users 100]``. It takes about three minutes, most of it creating
the 10,000 recharges through the API on SQLite (each one also a call to the fake Heleket).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx
from _common import (
    HOST,
    NO_LIMITS,
    Server,
    bare_command,
    clean_environment,
    heading,
    line,
    load,
    profiled,
    ratio_line,
    result,
    rss_mb,
    starshop_command,
    write_requests,
)
from tests.support import free_port

from starshop.entrypoints.web.auth import SANDBOX_BOT_TOKEN, init_data_for
from starshop.testing.fakes import FakeHeleket

AMOUNT = "5.00"
GOAL_MB = 150.0
_PENDING = re.compile(r"^starshop_outbox_pending (\S+)$", re.MULTILINE)


def authorization(user_id: int) -> str:
    user = {"id": user_id, "username": f"payer{user_id}", "first_name": "Payer", "language_code": "en"}
    return f"tma {init_data_for(user, SANDBOX_BOT_TOKEN)}"


async def settle(base: str, within: float = 90.0) -> None:
    """Wait until the worker has relayed every outbox event (``starshop_outbox_pending`` 0)."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        while time.monotonic() < deadline:
            found = _PENDING.search((await client.get("/metrics")).text)
            if found and float(found.group(1)) == 0:
                return
            await asyncio.sleep(0.5)
    raise SystemExit("memory: the outbox did not drain")


async def balances(base: str, users: int) -> Decimal:
    total = Decimal(0)
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        for user_id in range(1, users + 1):
            answer = await client.get("/api/v1/balance", headers={"Authorization": authorization(user_id)})
            total += Decimal(answer.json()["amount"])
    return total


async def measure_app(args: argparse.Namespace, work: Path) -> dict:
    port = free_port()
    async with FakeHeleket() as fake:
        env = clean_environment(
            STARSHOP_HOST=HOST,
            STARSHOP_PORT=port,
            STARSHOP_HELEKET_MERCHANT=fake.merchant_uuid,
            STARSHOP_HELEKET_PAYMENT_KEY=fake.payment_key,
            STARSHOP_HELEKET_URL=fake.base_url,
            STARSHOP_RATE_LIMITS=NO_LIMITS,
        )
        home = work / "shop"
        home.mkdir()
        async with Server(starshop_command("run"), env=env, cwd=home, port=port, log=work / "starshop.log") as s:
            await asyncio.sleep(3)
            idle = rss_mb(s.pid)
            auth = {user_id: authorization(user_id) for user_id in range(1, args.users + 1)}
            write_requests(
                work / "recharges.jsonl",
                (
                    (
                        "POST",
                        "/api/v1/recharges",
                        {
                            "Authorization": auth[1 + i % args.users],
                            "Idempotency-Key": f"topup-{i}",
                            "Content-Type": "application/json",
                        },
                        json.dumps({"amount": AMOUNT}).encode(),
                    )
                    for i in range(args.webhooks)
                ),
            )
            async with profiled(s.pid, args.profile):
                created = await load(s.base, work / "recharges.jsonl", concurrency=args.concurrency, max_seconds=240)
            if created["statuses"] != {"201": args.webhooks}:
                raise SystemExit(f"memory: recharges answered {created['statuses']}")
            bodies = []
            for order in list(fake.invoices):
                fake.set_status(order, "paid")
                bodies.append(fake.webhook_body(order))
            write_requests(
                work / "webhooks.jsonl",
                (("POST", "/webhooks/heleket", {"Content-Type": "application/json"}, body) for body in bodies),
            )
            paid = await load(s.base, work / "webhooks.jsonl", concurrency=args.concurrency, max_seconds=240)
            if paid["statuses"] != {"200": args.webhooks}:
                raise SystemExit(f"memory: webhooks answered {paid['statuses']}")
            await settle(s.base)
            after = rss_mb(s.pid)
            total = await balances(s.base, args.users)
            if total != Decimal(AMOUNT) * args.webhooks:
                raise SystemExit(f"memory: balances add up to {total}, expected {Decimal(AMOUNT) * args.webhooks}")
        return {"idle": idle, "after": after, "recharge_rate": created["rate"], "webhook_rate": paid["rate"]}


async def measure_bare(work: Path) -> dict:
    port = free_port()
    async with Server(bare_command(port), env=clean_environment(), cwd=work, port=port, log=work / "bare.log") as s:
        await asyncio.sleep(3)
        idle = rss_mb(s.pid)
        outcome = await load(s.base, work / "webhooks.jsonl", max_seconds=120)
        if set(outcome["statuses"]) != {"200"}:
            raise SystemExit(f"memory: the bare app answered {outcome['statuses']}")
        return {"idle": idle, "after": rss_mb(s.pid)}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--webhooks", type=int, default=10_000, help="recharges paid by webhook (default 10000)")
    parser.add_argument("--users", type=int, default=100, help="users the recharges belong to (default 100)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight (default 8: one SQLite writer)")
    parser.add_argument("--profile", type=Path, default=None, help="write py-spy's samples of recharge creation here")
    args = parser.parse_args()
    heading(f"Figure 4: resident memory of `starshop run`, idle and after {args.webhooks} webhooks")
    with tempfile.TemporaryDirectory(prefix="starshop-bench-") as tmp:
        work = Path(tmp)
        app = await measure_app(args, work)
        bare = await measure_bare(work)
    line("starshop run idle (SQLite, in-process twins)", f"{app['idle']['rss']:7.1f} MB")
    line(
        f"starshop run after {args.webhooks} webhooks",
        f"{app['after']['rss']:7.1f} MB   (peak {app['after']['peak']:.1f} MB;"
        f" {app['recharge_rate']:.0f} recharges/s, {app['webhook_rate']:.0f} webhooks/s on SQLite)",
    )
    line("baseline: bare Litestar idle", f"{bare['idle']['rss']:7.1f} MB")
    line(f"baseline: bare Litestar after {args.webhooks} webhooks", f"{bare['after']['rss']:7.1f} MB")
    ratio_line("after the webhooks, relative to bare Litestar", app["after"]["rss"], bare["after"]["rss"], None)
    to_goal = ratio_line(
        f"after the webhooks, relative to {GOAL_MB:.0f} MB", app["after"]["rss"], GOAL_MB, 1.0, at_most=True
    )
    result(
        "memory",
        idle_mb=round(app["idle"]["rss"], 1),
        after_mb=round(app["after"]["rss"], 1),
        peak_mb=round(app["after"]["peak"], 1),
        bare_idle_mb=round(bare["idle"]["rss"], 1),
        bare_after_mb=round(bare["after"]["rss"], 1),
        ratio_goal=round(to_goal, 3),
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
