"""Drill: duplicated and reordered Heleket webhooks under load, through the real app on Postgres and Redis.

Every invoice's history (check, process, then paid or paid_over, or check then cancel) is sent in a shuffled order,
each status several times, all recharges interleaved and many requests in flight at once. Each paid invoice
is credited exactly once, the unpaid ones never, and the audit finds nothing.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from decimal import Decimal

import httpx
import pytest

from starshop.domain import TxStatus
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.web import create_app
from starshop.testing.fakes import FakeHeleket
from tests.drills.support import audit, balances, open_recharges, register, transaction
from tests.support import REDIS_URL, free_port, heleket_settings, serving

pytestmark = [pytest.mark.drill, pytest.mark.postgres, pytest.mark.redis]

USERS = list(range(9001, 9009))
PER_USER = 12
CONCURRENCY = 48
CREDITS = frozenset({"credited", "credited_late"})


def script_for(rng: random.Random, final: str) -> list[str]:
    """The webhooks one invoice produces, duplicated and out of order."""
    if final == "cancel":
        statuses = ["check", "cancel", "cancel", "check"]
    else:
        statuses = ["check", "process", final, final, "check", "process", final]
    statuses += rng.sample(statuses, k=3)
    rng.shuffle(statuses)
    return statuses


async def test_duplicated_and_reordered_webhooks_credit_each_paid_invoice_exactly_once(pg_url, redis_prefix):
    rng = random.Random(9)
    async with FakeHeleket() as fake:
        port = free_port()
        settings = heleket_settings(
            fake,
            port=port,
            database_url=pg_url,
            redis_url=REDIS_URL,
            redis_prefix=redis_prefix,
            invoice_lifetime=300,
        )
        container = build_container(settings)
        try:
            await register(container, *USERS)
            plan = [(user, f"{1 + index}.{user % 100:02d}") for user in USERS for index in range(PER_USER)]
            recharges = await open_recharges(container, plan)
            finals = {r.order_id: rng.choice(["paid", "paid", "paid", "paid_over", "cancel"]) for r in recharges}
            requests: list[tuple[str, bytes]] = []
            for recharge in recharges:
                final = finals[recharge.order_id]
                fake.set_status(recharge.order_id, final)
                for status in script_for(rng, final):
                    requests.append((recharge.order_id, fake.webhook_body(recharge.order_id, status)))
            rng.shuffle(requests)

            outcomes: defaultdict[str, Counter[str]] = defaultdict(Counter)
            codes: Counter[int] = Counter()
            gate = asyncio.Semaphore(CONCURRENCY)
            async with serving(create_app(container), port) as url, httpx.AsyncClient(timeout=30) as client:

                async def send(order_id: str, body: bytes) -> None:
                    async with gate:
                        answer = await client.post(f"{url}/webhooks/heleket", content=body)
                    codes[answer.status_code] += 1
                    if answer.status_code == 200:
                        outcomes[order_id][answer.json()["outcome"]] += 1

                started = asyncio.get_running_loop().time()
                await asyncio.gather(*(send(order_id, body) for order_id, body in requests))
                elapsed = asyncio.get_running_loop().time() - started

            assert codes == Counter({200: len(requests)}), codes
            expected: defaultdict[int, Decimal] = defaultdict(Decimal)
            for recharge in recharges:
                credits = sum(n for outcome, n in outcomes[recharge.order_id].items() if outcome in CREDITS)
                tx = await transaction(container, recharge.order_id)
                if finals[recharge.order_id] == "cancel":
                    assert credits == 0, (recharge, outcomes[recharge.order_id])
                    assert tx.status is TxStatus.EXPIRED
                else:
                    assert credits == 1, (recharge, outcomes[recharge.order_id])
                    assert tx.status is TxStatus.COMPLETED
                    expected[recharge.user_id] += recharge.amount
            found = await balances(container, *USERS)
            assert found == {user: (expected[user], Decimal(0)) for user in USERS}
            report = await audit(container)
            assert report.ok, report.violations
            assert report.users_checked == len(USERS)
            print(f"\n{len(requests)} webhooks for {len(recharges)} invoices in {elapsed:.1f} s, all answered 200")
        finally:
            await container.close()
