"""Figure 2: purchases from the balance completed per second, with instant sandbox delivery by the worker.

- The app: ``starshop web`` and ``starshop worker``, as deploy/compose.yaml runs them (``--shape run``: the single
  ``starshop run`` process instead), on Postgres and Redis, sandbox delivery. The load
  generator (its own process) posts ``POST /api/v1/purchases`` (Mini App initData, an Idempotency-Key each, every
  purchase for its own recipient) at a fixed concurrency; the clock stops when the last purchase is ``completed``
  (BuyStars, then the outbox relay, the task queue, DeliverPurchase and RecordDelivery in the worker).
- Baseline: pgbench running the equivalent SQL per purchase on as many connections: hold the price with the
  conditional UPDATE, insert the purchase row and its outbox rows; claim it; complete it and capture the hold.
- Baseline (b): pgbench of the *minimal* hold on 16 connections (the conditional hold ``UPDATE`` and the purchase
  row, one transaction): the least any shop does to take a purchase from a balance.

Usage: ``python bench/purchases.py [--count 2000] [--users 256] [--shape web+worker|run]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    CONCURRENCY,
    HOST,
    NO_LIMITS,
    REDIS_URL,
    app_processes,
    clean_environment,
    clean_redis,
    heading,
    line,
    load,
    load_args,
    migrated_database,
    pgbench,
    profiled,
    psql,
    ratio_line,
    redis_prefix,
    result,
    write_requests,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from tests.support import free_port

from starshop.application.use_cases.grant_bonus import GrantBonus, OperatorCredit
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile
from starshop.domain import Currency, Money
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Settings
from starshop.entrypoints.web.auth import SANDBOX_BOT_TOKEN, init_data_for

STARS = 50
PRICE = "0.83"  # 50 stars at the default price and markup
FUNDS = "1000.00"

# Per purchase: BuyStars' commit (hold, purchase row, two outbox rows), DeliverPurchase's claim, and RecordDelivery's
# commit (lock, complete, capture, two outbox rows). Client c's k-th purchase is ``p<c>-<k>`` for ``r<c>_<k>``.
# (pgbench reads ``:name`` as a variable even inside a string literal, hence the ``':' || ...`` spelling.)
PURCHASE_SQL = """\
\\set k :k + 1
\\set user 1 + (:client_id * 1000000 + :k) % :users
BEGIN;
UPDATE balances SET held = held + 0.83, updated_at = now()
 WHERE user_id = :user AND currency = 'USD' AND amount - held >= 0.83 RETURNING amount, held, currency;
INSERT INTO transactions (id, user_id, type, status, amount, currency, description, idempotency_key,
                          request_fingerprint, stars, recipient, pay_with, funded, outcome_unknown, created_at,
                          updated_at)
VALUES ('p' || :client_id || '-' || :k, :user, 'purchase', 'pending', 0.83, 'USD',
        '50 stars for @r' || :client_id || '_' || :k, 'key-' || :client_id || '-' || :k,
        'purchase' || ':' || '50' || ':' || 'r' || :client_id || '_' || :k || ':' || 'balance', 50,
        'r' || :client_id || '_' || :k, 'balance',
        true, false, now(), now());
INSERT INTO outbox (key, kind, user_id, payload, attempts, created_at)
VALUES ('balance_changed' || ':' || 'p' || :client_id || '-' || :k || ':' || 'purchase_hold', 'balance_changed',
        :user,
        '{"kind": "balance_changed", "amount": {"amount": "999.17", "currency": "USD"}}', 0, now())
ON CONFLICT (key) DO NOTHING;
INSERT INTO outbox (key, kind, user_id, payload, attempts, created_at)
VALUES ('purchase_queued' || ':' || 'p' || :client_id || '-' || :k, 'purchase_queued', :user,
        '{"kind": "purchase_queued", "tx_id": "p"}', 0, now())
ON CONFLICT (key) DO NOTHING;
COMMIT;
BEGIN;
UPDATE transactions SET status = 'processing', attempt_started_at = now(), updated_at = now()
 WHERE id = 'p' || :client_id || '-' || :k AND type = 'purchase' AND status = 'pending' AND funded IS true;
COMMIT;
BEGIN;
SELECT id, user_id, amount, stars, recipient FROM transactions WHERE id = 'p' || :client_id || '-' || :k FOR UPDATE;
UPDATE transactions SET status = 'completed', receipt_ref = 'Ref#sandbox-p' || :client_id || '-' || :k,
       receipt_hash = md5('p' || :client_id || '-' || :k), receipt_cost = '0.175', outcome_unknown = false,
       updated_at = now()
 WHERE id = 'p' || :client_id || '-' || :k;
UPDATE balances SET amount = amount - 0.83, held = held - 0.83, updated_at = now()
 WHERE user_id = :user AND currency = 'USD' AND held >= 0.83 RETURNING amount, held, currency;
INSERT INTO outbox (key, kind, user_id, payload, attempts, created_at)
VALUES ('balance_changed' || ':' || 'p' || :client_id || '-' || :k || ':' || 'purchase_capture', 'balance_changed',
        :user,
        '{"kind": "balance_changed", "amount": {"amount": "999.17", "currency": "USD"}}', 0, now())
ON CONFLICT (key) DO NOTHING;
INSERT INTO outbox (key, kind, user_id, payload, attempts, created_at)
VALUES ('purchase_delivered' || ':' || 'p' || :client_id || '-' || :k, 'purchase_delivered', :user,
        '{"kind": "purchase_delivered", "stars": 50}', 0, now())
ON CONFLICT (key) DO NOTHING;
COMMIT;
"""


MINIMAL_CLIENTS = 16
MINIMAL_HOLD_SQL = """\
\\set k :k + 1
\\set user 1 + (:client_id * 1000000 + :k) % :users
BEGIN;
UPDATE balances SET held = held + 0.83, updated_at = now()
 WHERE user_id = :user AND currency = 'USD' AND amount - held >= 0.83 RETURNING amount, held, currency;
INSERT INTO transactions (id, user_id, type, status, amount, currency, description, stars, recipient, pay_with,
                          funded, outcome_unknown, created_at, updated_at)
VALUES ('h' || :client_id || '-' || :k, :user, 'purchase', 'pending', 0.83, 'USD', '50 stars', 50,
        'r' || :client_id || '_' || :k, 'balance', true, false, now(), now());
COMMIT;
"""


def pgbench_fixture(users: int) -> str:
    return f"""
INSERT INTO users (user_id, username, is_premium, created_at, updated_at)
  SELECT g, 'buyer' || g, false, now(), now() FROM generate_series(1, {users}) g;
INSERT INTO balances (user_id, amount, held, currency, created_at, updated_at)
  SELECT g, {FUNDS}, 0, 'USD', now(), now() FROM generate_series(1, {users}) g;
ANALYZE;
"""


def authorization(user_id: int) -> str:
    user = {"id": user_id, "username": f"buyer{user_id}", "first_name": "Buyer", "language_code": "en"}
    return f"tma {init_data_for(user, SANDBOX_BOT_TOKEN)}"


def purchase_requests(path: Path, users: int, first: int, count: int) -> Path:
    auth = {user_id: authorization(user_id) for user_id in range(1, users + 1)}

    def one(index: int) -> tuple[str, str, dict[str, str], bytes]:
        user_id = 1 + index % users
        headers = {
            "Authorization": auth[user_id],
            "Idempotency-Key": f"buy-{index}",
            "Content-Type": "application/json",
        }
        body = json.dumps({"stars": STARS, "recipient": f"@rcpt_{index:07d}"}).encode()
        return "POST", "/api/v1/purchases", headers, body

    write_requests(path, (one(i) for i in range(first, first + count)))
    return path


async def seed(settings: Settings, users: int) -> None:
    container = build_container(settings)
    usd = Currency.of("USD")
    try:
        for user_id in range(1, users + 1):
            async with container() as scope:
                await (await scope.get(RegisterUser))(TelegramProfile(user_id=user_id, username=f"buyer{user_id}"))
            async with container() as scope:
                grant = await scope.get(GrantBonus)
                await grant(OperatorCredit(operator_id=1, user_id=user_id, amount=Money.of(FUNDS, usd), reason="bench"))
    finally:
        await container.close()


async def wait_completed(url: str, expected: int, within: float) -> float:
    """Poll until ``expected`` purchases are completed; the wall-clock time it happened."""
    engine = create_async_engine(url, pool_size=1)
    query = text("SELECT count(*) FROM transactions WHERE type = 'purchase' AND status = 'completed'")
    deadline = time.monotonic() + within
    try:
        while True:
            async with engine.connect() as conn:
                done = (await conn.execute(query)).scalar_one()
            if done >= expected:
                return time.time()
            if time.monotonic() > deadline:
                raise SystemExit(f"purchases: only {done} of {expected} completed within {within:g} s")
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


async def measure_app(args: argparse.Namespace, work: Path) -> dict:
    prefix = redis_prefix()
    port = free_port()
    try:
        async with migrated_database() as (name, url):
            settings = Settings(port=port, database_url=url, redis_url=REDIS_URL, redis_prefix=prefix, rate_limits={})
            await seed(settings, args.users)
            warm = purchase_requests(work / "warm.jsonl", args.users, 0, args.users)
            timed = purchase_requests(work / "timed.jsonl", args.users, args.users, args.count)
            env = clean_environment(
                STARSHOP_HOST=HOST,
                STARSHOP_PORT=port,
                STARSHOP_DATABASE_URL=url,
                STARSHOP_REDIS_URL=REDIS_URL,
                STARSHOP_REDIS_PREFIX=prefix,
                STARSHOP_RATE_LIMITS=NO_LIMITS,
            )
            async with app_processes(args.shape, env=env, cwd=work, port=port, webs=args.webs) as s:
                await load(s.base, warm, max_seconds=60)
                await wait_completed(url, args.users, 60)
                async with profiled(s.pid, args.profile):
                    accepted = await load(s.base, timed, max_seconds=args.max_seconds)
                    ended = await wait_completed(url, args.users + accepted["statuses"].get("201", 0), 90)
            if accepted["statuses"].get("201", 0) != accepted["sent"]:
                raise SystemExit(f"purchases: not every purchase was accepted: {accepted['statuses']}")
            problems = psql(
                name,
                "SELECT count(*) FROM balances WHERE held <> 0 OR amount <> "
                f"{FUNDS} - {PRICE} * (SELECT count(*) FROM transactions t WHERE t.user_id = balances.user_id"
                " AND t.type = 'purchase' AND t.status = 'completed')",
            )
            if int(problems):
                raise SystemExit(f"purchases: {problems} balances do not add up")
            elapsed = ended - accepted["started"]
            return {**accepted, "completed": accepted["sent"], "elapsed": elapsed, "rate": accepted["sent"] / elapsed}
    finally:
        await clean_redis(prefix)


async def measure_pgbench(args: argparse.Namespace, work: Path) -> dict:
    per_client = max(1, args.count // CONCURRENCY)
    async with migrated_database() as (name, _):
        psql(name, pgbench_fixture(args.users))
        defines = {"users": args.users}
        pgbench(name, PURCHASE_SQL, clients=CONCURRENCY, transactions=8, defines={"k": 0, **defines}, workdir=work)
        outcome = pgbench(
            name, PURCHASE_SQL, clients=CONCURRENCY, transactions=per_client, defines={"k": 8, **defines}, workdir=work
        )
        done = psql(name, "SELECT count(*) FROM transactions WHERE status = 'completed'")
        if int(done) != CONCURRENCY * (per_client + 8) or outcome["failed"]:
            raise SystemExit(f"pgbench: {done} purchases completed, {outcome['failed']} failed")
        return outcome


async def measure_minimal(args: argparse.Namespace, work: Path) -> dict:
    per_client = max(1, args.count // MINIMAL_CLIENTS)
    async with migrated_database() as (name, _):
        psql(name, pgbench_fixture(args.users))
        defines = {"users": args.users}
        pgbench(name, MINIMAL_HOLD_SQL, clients=MINIMAL_CLIENTS, transactions=8, defines={"k": 0, **defines},
                workdir=work)  # fmt: skip
        outcome = pgbench(
            name, MINIMAL_HOLD_SQL, clients=MINIMAL_CLIENTS, transactions=per_client, defines={"k": 8, **defines},
            workdir=work,
        )  # fmt: skip
        held = psql(name, "SELECT count(*) FROM transactions WHERE status = 'pending'")
        if int(held) != MINIMAL_CLIENTS * (per_client + 8) or outcome["failed"]:
            raise SystemExit(f"pgbench (minimal hold): {held} purchases held, {outcome['failed']} failed")
        return outcome


async def main() -> int:
    args = load_args(__doc__, count=2000, what="purchases", users=256, users_help="buyers", max_seconds=60.0)
    heading("Figure 2: purchases from the balance completed per second (sandbox delivery)")
    with tempfile.TemporaryDirectory(prefix="starshop-bench-") as tmp:
        work = Path(tmp)
        app = await measure_app(args, work)
        base = await measure_pgbench(args, work)
        minimal = await measure_minimal(args, work)
    line(
        f"starshop {args.shape} (API + worker, Postgres, Redis)",
        f"{app['rate']:8.1f} purchases/s   ({app['completed']} completed in {app['elapsed']:.1f} s;"
        f" POST p50 {app['p50_ms']:.1f} ms, p99 {app['p99_ms']:.1f} ms, concurrency {CONCURRENCY})",
    )
    line(
        "baseline: pgbench, the equivalent SQL",
        f"{base['rate']:8.1f} purchases/s   (p50 {base['p50_ms']:.1f} ms, p99 {base['p99_ms']:.1f} ms,"
        f" {base['transactions']} purchases, {CONCURRENCY} clients)",
    )
    line(
        "baseline: pgbench, minimal hold SQL",
        f"{minimal['rate']:8.1f} holds/s       (p50 {minimal['p50_ms']:.1f} ms, p99 {minimal['p99_ms']:.1f} ms,"
        f" {minimal['transactions']} holds, {MINIMAL_CLIENTS} clients)",
    )
    ratio = ratio_line("ratio to pgbench", app["rate"], base["rate"], 0.20)
    to_minimal = ratio_line("ratio to the minimal hold SQL", app["rate"], minimal["rate"], None)
    result(
        "purchases",
        shape=args.shape,
        rate=round(app["rate"], 1),
        accept_rate=round(app["sent"] / (app["ended"] - app["started"]), 1),
        p50_ms=round(app["p50_ms"], 1),
        p99_ms=round(app["p99_ms"], 1),
        pgbench=round(base["rate"], 1),
        ratio_pgbench=round(ratio, 3),
        minimal=round(minimal["rate"], 1),
        ratio_minimal=round(to_minimal, 3),
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
