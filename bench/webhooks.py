"""Figure 1: signed Heleket ``paid`` webhooks credited per second through the real app, with p50/p99 latency.

- The app: ``starshop web`` (uvicorn) and ``starshop worker``, as deploy/compose.yaml runs them (``--shape run``:
  the single ``starshop run`` process instead), on Postgres and Redis, with the Heleket adapter pointed at a local
  ``FakeHeleket``. Every webhook is for its own pending recharge, created beforehand
  through ``CreateRecharge``; the load generator (its own process) posts them at a fixed concurrency.
- Baseline (a): pgbench running the statements ``ConfirmPayment`` issues for a ``paid`` webhook (lock the recharge,
  update the journal row, credit the balance, two outbox rows) on as many connections, each on its own recharge.
- Baseline (b): pgbench of the *minimal* credit (insert a journal row, update the balance) on 16 connections: what
  any shop must do per credited payment, however it is built.
- Baseline (c): a bare Litestar endpoint that parses the same bodies and does nothing, under the same uvicorn and
  load generator.
- The web processes' CPU per credited webhook (and the bare server's per request), from ``/proc``.

Usage: ``python bench/webhooks.py [--count 4000] [--users 256] [--shape web+worker|run] [--webs 1]
[--pgbouncer HOST:PORT]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from _common import (
    CONCURRENCY,
    HOST,
    NO_LIMITS,
    REDIS_URL,
    Server,
    app_processes,
    bare_command,
    clean_environment,
    clean_redis,
    cpu_used,
    heading,
    line,
    load,
    load_args,
    migrated_database,
    pgbench,
    pooled_url,
    profiled,
    psql,
    ratio_line,
    redis_prefix,
    result,
    write_requests,
)
from tests.support import free_port, heleket_settings

from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile
from starshop.domain import Currency, Money
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Settings
from starshop.testing.fakes import FakeHeleket

AMOUNT = "10.00"
WARMUP = 300
HEADERS = {"Content-Type": "application/json"}

# What ConfirmPayment issues for a ``paid`` webhook (SqlaTransactionRepository.by_order_id(lock=True) and update,
# SqlaBalanceRepository.credit, SqlaOutbox.add twice), one recharge per transaction: client c's k-th transaction
# takes order ``c * 1000000 + k``.
CONFIRM_PAYMENT_SQL = """\
\\set k :k + 1
\\set n :client_id * 1000000 + :k
BEGIN;
SELECT id, user_id, amount, description, invoice_uuid, invoice_url, invoice_expires_at, invoice_amount,
       expires_at, created_at
  FROM transactions WHERE order_id = ''||:n FOR UPDATE \\gset
UPDATE transactions SET user_id = :user_id, type = 'recharge', status = 'completed', amount = :amount,
       currency = 'USD', description = :description, idempotency_key = NULL, request_fingerprint = NULL, flag = NULL,
       order_id = :id, invoice_uuid = :invoice_uuid, invoice_url = :invoice_url,
       invoice_expires_at = :invoice_expires_at, invoice_amount = :invoice_amount, expires_at = :expires_at,
       gateway_status = 'paid', checked_at = NULL, purchase_id = NULL, stars = NULL, recipient = NULL,
       pay_with = NULL, funded = false, attempt_started_at = NULL, outcome_unknown = false, receipt_ref = NULL,
       receipt_hash = NULL, receipt_cost = NULL, failure_reason = NULL, actor = NULL, created_at = :created_at,
       updated_at = now()
 WHERE id = :id;
UPDATE balances SET amount = amount + :amount, updated_at = now()
 WHERE user_id = :user_id AND currency = 'USD' RETURNING amount, held, currency;
INSERT INTO outbox (key, kind, user_id, payload, attempts, created_at)
VALUES ('payment_received:' || :id::text, 'payment_received', :user_id::bigint,
        json_build_object('kind', 'payment_received', 'user_id', :user_id::bigint, 'tx_id', :id::text,
                          'amount', json_build_object('amount', :amount::text, 'currency', 'USD'),
                          'balance', json_build_object('amount', '123.00', 'currency', 'USD')),
        0, now())
ON CONFLICT (key) DO NOTHING;
INSERT INTO outbox (key, kind, user_id, payload, attempts, created_at)
VALUES ('balance_changed:' || :id::text || ':' || 'recharge', 'balance_changed', :user_id::bigint,
        json_build_object('kind', 'balance_changed', 'user_id', :user_id::bigint, 'tx_id', :id::text,
                          'amount', json_build_object('amount', '123.00', 'currency', 'USD'),
                          'held', json_build_object('amount', '0.00', 'currency', 'USD'), 'reason', 'recharge'),
        0, now())
ON CONFLICT (key) DO NOTHING;
COMMIT;
"""


MINIMAL_CLIENTS = 16
# The least any shop does per credited payment: a journal row and the balance, in one transaction.
MINIMAL_CREDIT_SQL = """\
\\set k :k + 1
\\set user 1 + (:client_id * 1000000 + :k) % :users
BEGIN;
INSERT INTO transactions (id, user_id, type, status, amount, currency, description, funded, outcome_unknown,
                          created_at, updated_at)
VALUES ('m' || :client_id || '-' || :k, :user, 'recharge', 'completed', 10.00, 'USD', 'Top-up 10.00 USD', false,
        false, now(), now());
UPDATE balances SET amount = amount + 10.00, updated_at = now() WHERE user_id = :user AND currency = 'USD';
COMMIT;
"""


def pgbench_fixture(users: int, clients: int, per_client: int) -> str:
    """Users with balances and ``clients x per_client`` pending, invoiced recharges (as CreateRecharge leaves them)."""
    return f"""
INSERT INTO users (user_id, username, is_premium, created_at, updated_at)
  SELECT g, 'user' || g, false, now(), now() FROM generate_series(1, {users}) g;
INSERT INTO balances (user_id, amount, held, currency, created_at, updated_at)
  SELECT g, 0, 0, 'USD', now(), now() FROM generate_series(1, {users}) g;
INSERT INTO transactions (id, user_id, type, status, amount, currency, description, order_id, invoice_uuid,
                          invoice_url, invoice_expires_at, invoice_amount, expires_at, funded, outcome_unknown,
                          created_at, updated_at)
  SELECT md5(c || '-' || k), 1 + ((c * {per_client} + k) % {users}), 'recharge', 'pending', {AMOUNT}, 'USD',
         'Top-up {AMOUNT} USD', (c * 1000000 + k)::text, gen_random_uuid()::text, 'http://127.0.0.1/pay/' || c || k,
         now() + interval '1 hour', {AMOUNT}, now() + interval '1 hour', false, false, now(), now()
  FROM generate_series(0, {clients - 1}) c, generate_series(1, {per_client}) k;
ANALYZE;
"""


async def make_webhooks(settings: Settings, fake: FakeHeleket, users: int, count: int) -> list[bytes]:
    """``count`` pending recharges through ``CreateRecharge`` (invoices at the fake), and their signed webhooks."""
    container = build_container(settings)
    usd = Currency.of("USD")
    try:
        for user_id in range(1, users + 1):
            async with container() as scope:
                await (await scope.get(RegisterUser))(TelegramProfile(user_id=user_id, username=f"payer{user_id}"))
        gate = asyncio.Semaphore(16)

        async def create(index: int) -> str:
            async with gate, container() as scope:
                use_case = await scope.get(CreateRecharge)
                made = await use_case(
                    CreateRechargeInput(user_id=1 + index % users, amount=Money.of(AMOUNT, usd), idempotency_key=None)
                )
            return str(made.recharge.order_id)

        orders = await asyncio.gather(*(create(i) for i in range(count)))
    finally:
        await container.close()
    bodies = []
    for order in orders:
        fake.set_status(order, "paid")
        bodies.append(fake.webhook_body(order))
    return bodies


def requests_file(path: Path, bodies: list[bytes]) -> Path:
    write_requests(path, (("POST", "/webhooks/heleket", HEADERS, body) for body in bodies))
    return path


async def measure_app(args: argparse.Namespace, work: Path) -> dict:
    prefix = redis_prefix()
    port = free_port()
    try:
        async with migrated_database() as (name, url), FakeHeleket() as fake:
            settings = heleket_settings(fake, port=port, database_url=url, redis_url=REDIS_URL, redis_prefix=prefix)
            bodies = await make_webhooks(settings, fake, args.users, WARMUP + args.count)
            warm = requests_file(work / "warm.jsonl", bodies[:WARMUP])
            timed = requests_file(work / "timed.jsonl", bodies[WARMUP:])
            env = clean_environment(
                STARSHOP_HOST=HOST,
                STARSHOP_PORT=port,
                STARSHOP_DATABASE_URL=pooled_url(url, args.pgbouncer),
                STARSHOP_REDIS_URL=REDIS_URL,
                STARSHOP_REDIS_PREFIX=prefix,
                STARSHOP_HELEKET_MERCHANT=fake.merchant_uuid,
                STARSHOP_HELEKET_PAYMENT_KEY=fake.payment_key,
                STARSHOP_HELEKET_URL=fake.base_url,
                STARSHOP_RATE_LIMITS=NO_LIMITS,
            )
            async with app_processes(args.shape, env=env, cwd=work, port=port, webs=args.webs) as server:
                await load(server.base, warm, max_seconds=60)
                async with profiled(server.pid, args.profile):
                    with cpu_used(server.pids) as cpu:
                        outcome = await load(server.base, timed, max_seconds=args.max_seconds)
            credited = psql(name, "SELECT count(*) FROM transactions WHERE type='recharge' AND status='completed'")
            total = psql(name, "SELECT sum(amount) FROM balances")
            expected_total = f"{float(AMOUNT) * int(credited):.2f}"
            if int(credited) != outcome["statuses"].get("200", 0) + WARMUP or f"{float(total):.2f}" != expected_total:
                raise SystemExit(f"webhooks: {credited} credited, balances total {total}; answers {outcome}")
            outcome["credited"] = int(credited) - WARMUP
            outcome["cpu_ms"] = 1000 * cpu["seconds"] / max(1, outcome["credited"])
            return outcome
    finally:
        await clean_redis(prefix)


async def measure_bare(args: argparse.Namespace, work: Path) -> dict:
    port = free_port()
    async with Server(bare_command(port), env=clean_environment(), cwd=work, port=port, log=work / "bare.log") as s:
        await load(s.base, work / "warm.jsonl", max_seconds=60)
        with cpu_used([s.pid]) as cpu:
            outcome = await load(s.base, work / "timed.jsonl", max_seconds=args.max_seconds)
        outcome["cpu_ms"] = 1000 * cpu["seconds"] / max(1, outcome["sent"])
        return outcome


async def measure_pgbench(args: argparse.Namespace, work: Path) -> dict:
    per_client = max(1, args.count // CONCURRENCY)
    async with migrated_database() as (name, _):
        psql(name, pgbench_fixture(args.users, CONCURRENCY, per_client + WARMUP // CONCURRENCY + 1))
        pgbench(name, CONFIRM_PAYMENT_SQL, clients=CONCURRENCY, transactions=WARMUP // CONCURRENCY, defines={"k": 0},
                workdir=work)  # fmt: skip
        start = WARMUP // CONCURRENCY
        outcome = pgbench(
            name, CONFIRM_PAYMENT_SQL, clients=CONCURRENCY, transactions=per_client, defines={"k": start}, workdir=work
        )
        done = psql(name, "SELECT count(*) FROM transactions WHERE status = 'completed'")
        if int(done) != CONCURRENCY * (per_client + start) or outcome["failed"]:
            raise SystemExit(f"pgbench: {done} recharges completed, {outcome['failed']} failed")
        return outcome


async def measure_minimal(args: argparse.Namespace, work: Path) -> dict:
    per_client = max(1, args.count // MINIMAL_CLIENTS)
    defines = {"users": args.users}
    async with migrated_database() as (name, _):
        psql(name, pgbench_fixture(args.users, 1, 1))
        pgbench(name, MINIMAL_CREDIT_SQL, clients=MINIMAL_CLIENTS, transactions=WARMUP // MINIMAL_CLIENTS,
                defines={"k": 0, **defines}, workdir=work)  # fmt: skip
        start = WARMUP // MINIMAL_CLIENTS
        outcome = pgbench(
            name, MINIMAL_CREDIT_SQL, clients=MINIMAL_CLIENTS, transactions=per_client,
            defines={"k": start, **defines}, workdir=work,
        )  # fmt: skip
        total = psql(name, "SELECT sum(amount) FROM balances")
        if f"{float(total):.2f}" != f"{10.0 * MINIMAL_CLIENTS * (per_client + start):.2f}" or outcome["failed"]:
            raise SystemExit(f"pgbench (minimal credit): balances total {total}, {outcome['failed']} failed")
        return outcome


async def main() -> int:
    args = load_args(
        __doc__, count=4000, what="webhooks", users=256, users_help="users the recharges belong to", max_seconds=40.0
    )
    heading("Figure 1: signed Heleket `paid` webhooks credited per second")
    with tempfile.TemporaryDirectory(prefix="starshop-bench-") as tmp:
        work = Path(tmp)
        app = await measure_app(args, work)
        bare = await measure_bare(args, work)
        base = await measure_pgbench(args, work)
        minimal = await measure_minimal(args, work)
    webs = f", {args.webs} web processes" if args.webs > 1 else ""
    webs += ", through pgbouncer" if args.pgbouncer else ""
    line(
        f"starshop {args.shape} (uvicorn, Postgres, Redis{webs})",
        f"{app['rate']:8.1f} webhooks/s   p50 {app['p50_ms']:.1f} ms   p99 {app['p99_ms']:.1f} ms"
        f"   ({app['credited']} credited, concurrency {CONCURRENCY})",
    )
    line("  web-process CPU per credited webhook", f"{app['cpu_ms']:8.2f} ms")
    line(
        "baseline: pgbench, ConfirmPayment's SQL",
        f"{base['rate']:8.1f} tx/s         p50 {base['p50_ms']:.1f} ms   p99 {base['p99_ms']:.1f} ms"
        f"   ({base['transactions']} tx, {CONCURRENCY} clients)",
    )
    line(
        "baseline: pgbench, minimal credit SQL",
        f"{minimal['rate']:8.1f} tx/s         p50 {minimal['p50_ms']:.1f} ms   p99 {minimal['p99_ms']:.1f} ms"
        f"   ({minimal['transactions']} tx, {MINIMAL_CLIENTS} clients)",
    )
    line(
        "baseline: bare Litestar, same body, same uvicorn",
        f"{bare['rate']:8.1f} requests/s   p50 {bare['p50_ms']:.1f} ms   p99 {bare['p99_ms']:.1f} ms"
        f"   (CPU {bare['cpu_ms']:.2f} ms per request)",
    )
    to_pg = ratio_line("ratio to pgbench", app["rate"], base["rate"], 0.25)
    to_minimal = ratio_line("ratio to the minimal credit SQL", app["rate"], minimal["rate"], 0.25)
    cpu_goal = ratio_line("web CPU per webhook / 0.6 ms", app["cpu_ms"], 0.6, 1.0, at_most=True)
    to_bare = ratio_line("ratio to bare Litestar", app["rate"], bare["rate"], 0.50)
    result(
        "webhooks",
        shape=args.shape,
        rate=round(app["rate"], 1),
        p50_ms=round(app["p50_ms"], 1),
        p99_ms=round(app["p99_ms"], 1),
        webs=args.webs,
        pgbouncer=bool(args.pgbouncer),
        cpu_ms=round(app["cpu_ms"], 3),
        pgbench=round(base["rate"], 1),
        minimal=round(minimal["rate"], 1),
        bare=round(bare["rate"], 1),
        bare_cpu_ms=round(bare["cpu_ms"], 3),
        ratio_pgbench=round(to_pg, 3),
        ratio_minimal=round(to_minimal, 3),
        ratio_cpu_goal=round(cpu_goal, 3),
        ratio_bare=round(to_bare, 3),
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
