"""Drill, bank style: many concurrent actors move money while a reader checks every consistent snapshot.

For a fixed time, concurrent actors on the shared Postgres and Redis open and pay recharges (Heleket fake, some
webhooks duplicated), buy stars from balance and by their own invoice with every delivery outcome (delivered,
refused, unknown then found, unknown and never found), grant bonuses and make signed adjustments; three workers
(three containers) relay, deliver and sweep. Every 100 ms a reader opens a REPEATABLE READ transaction, reads all
balances and the whole journal in that one snapshot, and checks invariants 1 and 2 of docs/architecture.md for
every user. Proven: no snapshot ever shows a balance that disagrees with its journal, however the moves interleave;
at the end the audit agrees and nothing was bought twice.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from starshop.application.errors import ApplicationError
from starshop.application.ports import WebhookVerifier
from starshop.application.use_cases.adjust_balance import AdjustBalance
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.confirm_payment import ConfirmPayment
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.application.use_cases.grant_bonus import GrantBonus
from starshop.domain import DomainError, InsufficientFunds, PayWith, TxStatus
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.runtime import running
from starshop.entrypoints.settings import Secret, WorkerSettings
from starshop.entrypoints.worker import worker_pieces
from starshop.testing.fakes import FakeHeleket
from tests.drills.support import (
    SEED,
    QuickBreakerDelivery,
    ScriptedFragment,
    audit,
    call,
    credit,
    register,
    snapshot_problems,
    transaction,
    usd,
)
from tests.support import REDIS_URL, eventually, heleket_settings

pytestmark = [pytest.mark.drill, pytest.mark.postgres, pytest.mark.redis]

USERS = list(range(5101, 5113))
DURATION = 8.0
ACTORS = {"recharge": 3, "buy": 5, "bonus": 1, "adjust": 1}
OUTCOMES = ["okokok", "okokok", "okokok", "refused", "ghostx", "timeout", "dropped", "fivexxb"]


async def test_every_snapshot_taken_while_money_moves_satisfies_the_invariants(pg_url, redis_prefix):
    rng = random.Random(11)
    fake = ScriptedFragment(seed=SEED, balance=Decimal(1_000_000))
    async with FakeHeleket() as heleket, fake.running() as fragment_url:
        settings = heleket_settings(
            heleket,
            database_url=pg_url,
            redis_url=REDIS_URL,
            redis_prefix=redis_prefix,
            invoice_lifetime=300,
            fragment_seed=Secret(SEED),
            fragment_url=fragment_url,
            fragment_timeout=0.3,
            delivery_requeue_after=2.0,
            delivery_lookup_after=1.0,
            delivery_unknown_deadline=2.0,
        )
        containers = [build_container(settings, QuickBreakerDelivery(fragment_url, 0.3)) for _ in range(3)]
        shop = containers[0]
        verifier = await shop.get(WebhookVerifier)
        moves: Counter[str] = Counter()
        recipients: dict[str, str] = {}  # purchase id -> recipient
        stop = asyncio.Event()
        names = iter(range(1_000_000))

        async def pay(order_id: str, copies: int) -> None:
            heleket.set_status(order_id, "paid")
            note = verifier.verify(heleket.webhook_body(order_id))
            outcomes = await asyncio.gather(*(call(shop, ConfirmPayment, note) for _ in range(copies)))
            moves["payment " + "/".join(sorted(o.value for o in outcomes))] += 1

        async def recharger() -> None:
            while not stop.is_set():
                user = rng.choice(USERS)
                amount = usd(f"{rng.randint(5, 30)}.{rng.randint(0, 99):02d}")
                result = await call(shop, CreateRecharge, CreateRechargeInput(user_id=user, amount=amount))
                await pay(result.recharge.order_id, copies=rng.choice([1, 1, 2, 3]))

        async def buyer() -> None:
            while not stop.is_set():
                user, kind = rng.choice(USERS), rng.choice(OUTCOMES)
                recipient = f"{kind}_{next(names):05d}"
                if kind != "ghostx":
                    fake.users.add(recipient)
                pay_with = PayWith.INVOICE if rng.random() < 0.2 else PayWith.BALANCE
                stars = rng.choice([50, 75, 100, 250])
                data = BuyStarsInput(user_id=user, stars=stars, recipient=recipient, pay_with=pay_with)
                try:
                    result = await call(shop, BuyStars, data)
                except InsufficientFunds:
                    moves["purchase refused: insufficient funds"] += 1
                    await asyncio.sleep(0.01)
                    continue
                recipients[result.purchase.id] = recipient
                moves[f"purchase from {pay_with}"] += 1
                if result.invoice is not None and rng.random() < 0.8:  # some invoices are never paid
                    order = next(i.order_id for i in heleket.invoices.values() if i.uuid == result.invoice.uuid)
                    await pay(order, copies=1)

        async def bonus() -> None:
            while not stop.is_set():
                await call(shop, GrantBonus, credit(rng.choice(USERS), f"{rng.randint(1, 5)}.00"))
                moves["bonus"] += 1
                await asyncio.sleep(0.02)

        async def adjust() -> None:
            while not stop.is_set():
                amount = f"{rng.choice(['', '-'])}{rng.randint(1, 9)}.{rng.randint(0, 99):02d}"
                try:
                    await call(shop, AdjustBalance, credit(rng.choice(USERS), amount))
                    moves["adjustment " + ("debit" if amount.startswith("-") else "credit")] += 1
                except (InsufficientFunds, ApplicationError, DomainError):
                    moves["adjustment refused"] += 1
                await asyncio.sleep(0.02)

        snapshots: list[tuple[int, int]] = []
        broken: list[str] = []
        reading = threading.Event()

        async def read_every_100_ms() -> None:
            engine = create_async_engine(pg_url, isolation_level="REPEATABLE READ")
            try:
                async with engine.connect() as conn:
                    clock = asyncio.get_running_loop().time
                    tick = clock()
                    while reading.is_set():
                        problems, users, rows = await snapshot_problems(conn)
                        snapshots.append((users, rows))
                        broken.extend(problems)
                        tick += 0.1
                        await asyncio.sleep(max(0.0, tick - clock()))
            finally:
                await engine.dispose()

        def reader() -> None:
            """In a thread with its own event loop: the load does not delay the observer."""
            asyncio.run(read_every_100_ms())

        cadence = WorkerSettings(relay_every=0.05, sweep_every=0.3)
        async with running([piece for c in containers for piece in worker_pieces(c, cadence)]):
            await register(shop, *USERS)
            for user in USERS:
                await call(shop, GrantBonus, credit(user, "20.00"))
            roles = {"recharge": recharger, "buy": buyer, "bonus": bonus, "adjust": adjust}
            actors = [asyncio.create_task(roles[r]()) for r, n in ACTORS.items() for _ in range(n)]
            reading.set()
            observer = asyncio.create_task(asyncio.to_thread(reader))
            await asyncio.sleep(DURATION)
            reading.clear()
            stop.set()
            await asyncio.gather(*actors)
            await observer

            async def settled() -> bool:
                for tx_id, recipient in recipients.items():
                    tx = await transaction(shop, tx_id)
                    waiting_invoice = tx.status is TxStatus.PENDING and not tx.funded
                    unknown_flagged = tx.status is TxStatus.PROCESSING and tx.flag is not None
                    flagged = recipient.startswith("fivexxb") and unknown_flagged
                    if tx.status.is_open and not (waiting_invoice or flagged):
                        return False
                return True

            await eventually(settled, within=60, every=0.3, what="every funded purchase settled or flagged")
        try:
            engine = create_async_engine(pg_url, isolation_level="REPEATABLE READ")
            async with engine.connect() as conn:
                problems, _, _ = await snapshot_problems(conn)
            await engine.dispose()
            report = await audit(shop)
            orders = fake.orders_by_recipient()
            delivered: Counter[str] = Counter()
            for tx_id, recipient in recipients.items():
                tx = await transaction(shop, tx_id)
                assert orders[recipient.casefold()] == (1 if tx.status is TxStatus.COMPLETED else 0), (recipient, tx)
                delivered[f"{recipient.split('_')[0]}: {tx.status}"] += 1
            print(
                f"\n{len(snapshots)} snapshots in {DURATION:.0f} s (last: {snapshots[-1][1]} journal rows), "
                f"{len(broken)} violations; moves: {dict(sorted(moves.items()))}; "
                f"purchases: {dict(sorted(delivered.items()))}"
            )
            assert broken == [], broken[:10]
            assert len(snapshots) >= DURATION * 8, "the reader took too few snapshots"
            assert problems == [] and report.ok, (problems, report.violations)
            for kind in ("bonus", "purchase from balance", "purchase from invoice", "adjustment debit"):
                assert moves[kind] > 0, moves
            for outcome in ("okokok: completed", "refused: failed", "timeout: completed", "fivexxb: processing"):
                assert delivered[outcome] > 0, delivered
        finally:
            for container in containers:
                await container.close()
