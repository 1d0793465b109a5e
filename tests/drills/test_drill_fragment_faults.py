"""Drill: the Fragment fake answers 5xx, times out, drops connections and garbles answers under a purchase load.

Purchases from balance run concurrently while four workers (four containers, as four processes would be) relay,
deliver and sweep. The fake's answer depends on the recipient (``ScriptedFragment``): delivered at once, 5xx before
or after buying, an answer after the client's timeout, a dropped connection, a 200 that is not JSON, a refusal, an
unknown user. Failures come in bursts, so the circuit breaker opens and refuses some purchases unattempted.
Proven, by counting the fake's recorded orders and purchase calls per purchase:

- no purchase is attempted twice and none is bought twice;
- every unknown outcome where stars were bought is reconciled as delivered with the provider's own order;
- an unknown outcome where nothing was bought is never refunded and never re-bought: it waits, is flagged for an
  operator past the deadline, and only the operator's verdict releases it;
- refusals (the provider's, or an open circuit) release the hold; the audit finds nothing.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from decimal import Decimal

import pytest

from starshop.application.ports import Refused
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.grant_bonus import GrantBonus
from starshop.application.use_cases.record_delivery import DeliveryResult, RecordDelivery
from starshop.domain import TxStatus
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.runtime import running
from starshop.entrypoints.settings import Secret, Settings, WorkerSettings
from starshop.entrypoints.worker import worker_pieces
from tests.drills.support import (
    FAULTS_BY_PREFIX,
    SEED,
    QuickBreakerDelivery,
    ScriptedFragment,
    audit,
    balances,
    call,
    credit,
    register,
    transaction,
)
from tests.support import REDIS_URL, eventually

pytestmark = [pytest.mark.drill, pytest.mark.postgres, pytest.mark.redis]

USERS = [8101, 8102, 8103, 8104]
WORKERS = 4
PURCHASES = 120
TIMEOUT = 0.3
KINDS = [*FAULTS_BY_PREFIX, "okokok", "okokok", "okokok", "ghostx"]
BURST = slice(50, 80)
FOUND_LATER = {"fivexxa", "timeout", "dropped", "garbled"}


async def test_fragment_failures_under_load_are_reconciled_and_nothing_is_bought_twice(pg_url, redis_prefix):
    rng = random.Random(5)
    kinds = [rng.choice(KINDS) for _ in range(PURCHASES)]
    kinds[BURST] = ["fivexxb"] * len(kinds[BURST])  # a burst of failures: every worker's breaker opens
    recipients = [f"{kind}_{index:04d}" for index, kind in enumerate(kinds)]
    fake = ScriptedFragment(
        seed=SEED, users={name for name in recipients if not name.startswith("ghost")}, balance=Decimal(10_000)
    )
    async with fake.running() as fragment_url:
        settings = Settings(
            database_url=pg_url,
            redis_url=REDIS_URL,
            redis_prefix=redis_prefix,
            fragment_seed=Secret(SEED),
            fragment_url=fragment_url,
            fragment_timeout=TIMEOUT,
            delivery_requeue_after=3.0,
            delivery_lookup_after=1.0,
            delivery_unknown_deadline=3.0,
            rate_limits={},
        )
        containers = [build_container(settings, QuickBreakerDelivery(fragment_url, TIMEOUT)) for _ in range(WORKERS)]
        shop = containers[0]
        cadence = WorkerSettings(relay_every=0.05, sweep_every=0.5)
        async with running([piece for c in containers for piece in worker_pieces(c, cadence)]):
            await register(shop, *USERS)
            for user in USERS:
                await call(shop, GrantBonus, credit(user, "200.00"))
            gate = asyncio.Semaphore(16)

            async def buy(index: int, recipient: str) -> str:
                user, stars = USERS[index % len(USERS)], 50 + 10 * (index % 7)
                async with gate:
                    result = await call(shop, BuyStars, BuyStarsInput(user_id=user, stars=stars, recipient=recipient))
                return str(result.purchase.id)

            started = asyncio.get_running_loop().time()
            ids = await asyncio.gather(*(buy(i, name) for i, name in enumerate(recipients)))
            purchases = dict(zip(ids, recipients, strict=True))

            async def settled() -> bool:
                for tx_id, recipient in purchases.items():
                    tx = await transaction(shop, tx_id)
                    if recipient.startswith("fivexxb") and tx.status is TxStatus.PROCESSING:
                        if tx.flag is None:
                            return False
                    elif tx.status.is_open:
                        return False
                return True

            await eventually(settled, within=40, every=0.25, what="every purchase settled or flagged")
            settle_time = asyncio.get_running_loop().time() - started

        try:
            outcomes: Counter[str] = Counter()
            orders, attempts = fake.orders_by_recipient(), fake.attempts
            refs = {order.username.casefold(): order.ref_id for order in fake.orders}
            expected = dict.fromkeys(USERS, Decimal("200.00"))
            for tx_id, recipient in purchases.items():
                tx = await transaction(shop, tx_id)
                kind, name = recipient.split("_")[0], recipient.casefold()
                assert attempts[name] <= 1, f"{recipient} was attempted {attempts[name]} times"
                assert orders[name] <= 1, f"{recipient} was bought {orders[name]} times"
                if tx.status is TxStatus.COMPLETED:
                    assert orders[name] == 1 and tx.receipt is not None and tx.receipt.ref_id == refs[name]
                    expected[tx.user_id] -= tx.amount.amount
                    outcomes[f"{kind}: delivered"] += 1
                elif tx.status is TxStatus.FAILED:
                    assert orders[name] == 0, f"{recipient} was bought but refunded"
                    unattempted = "not attempted" in (tx.failure_reason or "")
                    assert kind in ("refused", "ghostx") or unattempted, (recipient, tx.failure_reason)
                    outcomes[f"{kind}: {'circuit open' if unattempted else 'refused'}"] += 1
                else:
                    assert tx.status is TxStatus.PROCESSING and tx.outcome_unknown and tx.flag
                    assert kind == "fivexxb" and orders[name] == 0, recipient
                    outcomes[f"{kind}: flagged"] += 1
                if kind in FOUND_LATER and attempts[name]:
                    assert tx.status is TxStatus.COMPLETED, f"{recipient} bought but not reconciled"
            flagged = [tx_id for tx_id, r in purchases.items() if r.startswith("fivexxb")]
            assert outcomes.get("fivexxb: flagged", 0) > 0, outcomes
            assert sum(n for k, n in outcomes.items() if k.split(":")[0] in FOUND_LATER and "delivered" in k) > 0
            assert any("circuit open" in k for k in outcomes), f"the breaker never opened: {outcomes}"

            # The operator checks the provider's history (no order) and refuses the flagged purchases.
            for tx_id in flagged:
                tx = await transaction(shop, tx_id)
                if tx.status is TxStatus.PROCESSING:
                    assert orders[purchases[tx_id].casefold()] == 0
                    await call(shop, RecordDelivery, DeliveryResult(tx_id=tx_id, outcome=Refused(reason="operator")))
            assert await balances(shop, *USERS) == {user: (expected[user], Decimal(0)) for user in USERS}
            report = await audit(shop)
            assert report.ok, report.violations
            print(f"\n{PURCHASES} purchases settled in {settle_time:.1f} s: {dict(sorted(outcomes.items()))}")
        finally:
            for container in containers:
                await container.close()
