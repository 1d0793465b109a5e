"""Drill: Postgres fails in the middle of a webhook load through the real app (uvicorn, Heleket adapter).

The app talks to a private Postgres cluster through the fault proxy. While signed ``paid`` webhooks arrive at a
steady rate, the proxy first slows the network down, then resets every open database connection, then the server
itself is killed (``pg_ctl stop -m immediate``: a crash, recovered from the WAL on start) and started again.
Proven:

- every webhook answered 200 ``credited`` is credited, once;
- every webhook that failed (5xx or no answer) is credited when Heleket redelivers it, or found already credited
  (its commit landed before the answer was lost), never twice;
- the app needs no restart: once the server is back, webhooks succeed again with the same process;
- the balances equal the paid invoices and the audit finds nothing.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from decimal import Decimal

import httpx
import pytest

from starshop.domain import TxStatus
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.web import create_app
from starshop.testing.fakes import FakeHeleket
from tests.drills.proxy import FaultProxy
from tests.drills.support import audit, balances, open_recharges, register, transaction
from tests.support import free_port, heleket_settings, serving

pytestmark = [pytest.mark.drill, pytest.mark.postgres]

USERS = list(range(7001, 7011))
PER_USER = 24  # 240 webhooks
RATE = 60  # webhooks started per second: the load spans the faults


async def test_postgres_restarted_during_a_webhook_load_credits_every_paid_invoice_exactly_once(
    private_postgres, proxies
):
    proxy = await FaultProxy(target_port=private_postgres.port).start()
    proxies.append(proxy)
    async with FakeHeleket() as fake:
        port = free_port()
        settings = heleket_settings(
            fake,
            port=port,
            database_url=private_postgres.url("shop", port=proxy.port),
            invoice_lifetime=300,
        )
        container = build_container(settings)
        try:
            await register(container, *USERS)
            plan = [(user, f"{2 + index}.{user % 100:02d}") for user in USERS for index in range(PER_USER)]
            recharges = await open_recharges(container, plan)
            for recharge in recharges:
                fake.set_status(recharge.order_id, "paid")
            bodies = {r.order_id: fake.webhook_body(r.order_id) for r in recharges}
            first: dict[str, str] = {}  # order -> outcome, or "error <code>" when the first delivery failed
            timeline: list[tuple[float, str]] = []

            async with serving(create_app(container), port) as url, httpx.AsyncClient(timeout=15) as client:

                async def deliver(order_id: str) -> str:
                    try:
                        answer = await client.post(f"{url}/webhooks/heleket", content=bodies[order_id])
                    except httpx.HTTPError as exc:
                        return f"error {type(exc).__name__}"
                    if answer.status_code != 200:
                        return f"error {answer.status_code}"
                    return str(answer.json()["outcome"])

                async def first_delivery(order_id: str) -> None:
                    first[order_id] = await deliver(order_id)

                async def faults() -> None:
                    clock = asyncio.get_running_loop().time
                    proxy.latency = 0.005  # a slow network first: more webhooks in flight at once
                    await asyncio.sleep(0.8)
                    proxy.latency = 0.0
                    timeline.append((clock(), f"proxy reset {proxy.reset_all()} connections"))
                    await asyncio.sleep(0.8)
                    timeline.append((clock(), "postgres killed"))
                    await asyncio.to_thread(private_postgres.stop, "immediate")
                    await asyncio.sleep(0.7)
                    await asyncio.to_thread(private_postgres.start)
                    timeline.append((clock(), "postgres started"))

                started = asyncio.get_running_loop().time()
                injector = asyncio.create_task(faults())
                load = []
                for recharge in recharges:
                    load.append(asyncio.create_task(first_delivery(recharge.order_id)))
                    await asyncio.sleep(1 / RATE)
                await asyncio.gather(*load)
                await injector
                load_time = asyncio.get_running_loop().time() - started

                failed = [order for order, outcome in first.items() if outcome.startswith("error")]
                succeeded = [order for order, outcome in first.items() if not outcome.startswith("error")]
                # Heleket redelivers what did not get a 200: until it does (bounded).
                redelivered: dict[str, str] = {}
                for order_id in failed:
                    for _ in range(50):
                        outcome = await deliver(order_id)
                        if not outcome.startswith("error"):
                            redelivered[order_id] = outcome
                            break
                        await asyncio.sleep(0.1)
                late = Counter(
                    first[r.order_id] for r in recharges[-RATE // 2 :] if not first[r.order_id].startswith("error")
                )

            print(
                f"\n{len(recharges)} webhooks in {load_time:.1f} s; first delivery: "
                f"{dict(Counter(first.values()))}; redelivered: {dict(Counter(redelivered.values()))}; "
                f"faults at {[(round(t - started, 2), what) for t, what in timeline]}"
            )
            assert failed, "the faults hit no webhook: the drill proved nothing"
            assert all(first[order] == "credited" for order in succeeded), Counter(first[o] for o in succeeded)
            assert set(redelivered) == set(failed), "a failed webhook never got through after the restart"
            assert set(redelivered.values()) <= {"credited", "duplicate"}
            assert late.get("credited", 0) > 0, "no webhook succeeded after the restart without redelivery"

            expected: defaultdict[int, Decimal] = defaultdict(Decimal)
            for recharge in recharges:
                tx = await transaction(container, recharge.order_id)
                assert tx.status is TxStatus.COMPLETED, (recharge, first[recharge.order_id])
                expected[recharge.user_id] += recharge.amount
            assert await balances(container, *USERS) == {user: (expected[user], Decimal(0)) for user in USERS}
            report = await audit(container)
            assert report.ok, report.violations
        finally:
            await container.close()
