"""Drill: worker processes killed with SIGKILL in the middle of purchases.

Real ``starshop worker`` processes (the command line, configured by ``STARSHOP_*`` variables as in production;
forked from ``tests.drills.worker_process`` so a start costs no imports) share the shared
Postgres and Redis with the test, which buys stars and serves a Fragment fake that answers every purchase slowly
(the order is recorded at once, the answer comes later), so kills land between the provider's purchase and the
worker recording it. Workers are killed repeatedly and new ones started. Proven:

- no purchase is attempted twice or bought twice, whatever the kill interrupted (claim, call, record);
- after restarting workers, the sweeps finish every purchase: a lost task is queued again, an attempt cut off
  mid-call is looked up at the provider and recorded as delivered with the provider's own order;
- an attempt claimed but killed before its call left (a worker holds several tasks at once) is looked up, found
  nowhere, and left unknown: never refunded, never bought again; the drill then acts as the operator;
- ``starshop audit`` finds nothing.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from starshop.application.ports import Refused
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.grant_bonus import GrantBonus
from starshop.application.use_cases.record_delivery import DeliveryResult, RecordDelivery
from starshop.domain import TxStatus
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings
from starshop.testing.fakes.fragment import BUY
from tests.drills.support import SEED, ScriptedFragment, balances, call, credit, register, transaction
from tests.support import REDIS_URL, eventually

pytestmark = [pytest.mark.drill, pytest.mark.postgres, pytest.mark.redis]

REPO = Path(__file__).resolve().parents[2]
USERS = [4101, 4102, 4103]
PURCHASES = 24
SLOW = 0.5  # every purchase answer comes this long after the order is recorded
TIMINGS = {
    "FRAGMENT_TIMEOUT": "1.5",
    "DELIVERY_LOOKUP_AFTER": "7",  # the settings demand more than the timeout + 5 s
    "DELIVERY_REQUEUE_AFTER": "4",
    "DELIVERY_UNKNOWN_DEADLINE": "60",
    "RELAY_INTERVAL": "0.05",
    "SWEEP_INTERVAL": "0.5",
    "WORKER_PORT": "0",  # several workers on one machine: each serves its health and metrics on a free port
}


class WorkerProcesses:
    """``starshop`` commands as real child processes of ``tests.drills.worker_process`` (which imports starshop
    once and forks per command, so starting a worker costs milliseconds, not seconds of imports)."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.running: list[int] = []
        self.started = 0
        self._parent: asyncio.subprocess.Process | None = None
        self._replies: asyncio.Queue[str] = asyncio.Queue()
        self._exits: dict[int, asyncio.Future[int]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self._parent = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.drills.worker_process",
            env=self.env | {"PYTHONPATH": str(REPO)},
            cwd=self.logs,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._parent is not None and self._parent.stdout is not None
        async for raw in self._parent.stdout:
            kind, pid, *rest = raw.decode().split()
            if kind == "started":
                self._replies.put_nowait(pid)
            else:
                self._exits.setdefault(int(pid), asyncio.get_running_loop().create_future()).set_result(int(rest[0]))

    async def run(self, *argv: str) -> int:
        """Start ``starshop <argv>`` as a child process; its pid."""
        assert self._parent is not None and self._parent.stdin is not None
        self.started += 1
        log = self.logs / f"{self.started}-{argv[0]}.log"
        self._parent.stdin.write(f"{log} {' '.join(argv)}\n".encode())
        pid = int(await asyncio.wait_for(self._replies.get(), 30))
        self._exits.setdefault(pid, asyncio.get_running_loop().create_future())
        return pid

    async def start(self) -> int:
        pid = await self.run("worker")
        self.running.append(pid)
        return pid

    async def exit_status(self, pid: int) -> int:
        return await asyncio.wait_for(asyncio.shield(self._exits[pid]), 30)

    def output(self, number: int, command: str) -> str:
        return (self.logs / f"{number}-{command}.log").read_text()

    async def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        assert await self.exit_status(pid) == -signal.SIGKILL
        self.running.remove(pid)

    async def stop_all(self) -> None:
        for pid in list(self.running):
            os.kill(pid, signal.SIGTERM)  # a clean stop: the task in hand is finished first
            await self.exit_status(pid)
            self.running.remove(pid)

    async def close(self) -> None:
        await self.stop_all()
        if self._parent is not None:
            assert self._parent.stdin is not None
            self._parent.stdin.close()
            await asyncio.wait_for(self._parent.wait(), 30)
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


async def test_workers_killed_mid_purchase_leave_nothing_bought_twice_and_the_sweep_finishes_everything(
    pg_url, redis_prefix, tmp_path
):
    fake = ScriptedFragment(seed=SEED, balance=Decimal(10_000), slow_buys=SLOW)
    recipients = [f"killdrill_{n:04d}" for n in range(PURCHASES)]
    fake.users.update(recipients)
    async with fake.running() as fragment_url:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("STARSHOP_") and key in ("PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV")
        }
        env |= {f"STARSHOP_{key}": value for key, value in TIMINGS.items()}
        env |= {
            "STARSHOP_DATABASE_URL": pg_url,
            "STARSHOP_REDIS_URL": REDIS_URL,
            "STARSHOP_REDIS_PREFIX": redis_prefix,
            "STARSHOP_FRAGMENT_SEED": SEED,
            "STARSHOP_FRAGMENT_URL": fragment_url,
            # real delivery is refused beside sandbox payments; this drill takes no payments, so no Heleket answers
            "STARSHOP_HELEKET_MERCHANT": "drill-merchant",
            "STARSHOP_HELEKET_PAYMENT_KEY": "drill-payment-key",
            "STARSHOP_HELEKET_URL": "http://127.0.0.1:9",
            "STARSHOP_LOG_LEVEL": "INFO",
        }
        settings = Settings(
            database_url=pg_url,
            redis_url=REDIS_URL,
            redis_prefix=redis_prefix,
            fragment_seed=Secret(SEED),
            fragment_url=fragment_url,
            rate_limits={},
        )
        shop = build_container(settings)
        workers = WorkerProcesses(env, tmp_path)
        await workers.open()
        in_flight_at_kills: list[int] = []
        phases: list[str] = []

        async def kill_mid_purchase() -> None:
            """Wait for a new purchase call at the fake (answered only ``SLOW`` s later), then kill a worker."""
            seen = fake.calls[BUY]
            await eventually(lambda: _true(fake.calls[BUY] > seen), within=60, every=0.01, what="a purchase call")
            await workers.kill(workers.running[0])
            phases.append(f"kill at {asyncio.get_running_loop().time() - started:.1f}")
            states = [(await transaction(shop, tx_id)).status for tx_id in ids]
            in_flight_at_kills.append(states.count(TxStatus.PROCESSING))

        try:
            await register(shop, *USERS)
            for user in USERS:
                await call(shop, GrantBonus, credit(user, "50.00"))
            ids = []
            for index, recipient in enumerate(recipients):
                data = BuyStarsInput(user_id=USERS[index % len(USERS)], stars=50 + index % 4 * 25, recipient=recipient)
                ids.append((await call(shop, BuyStars, data)).purchase.id)
            started = asyncio.get_running_loop().time()

            for _ in range(2):
                await workers.start()
            await kill_mid_purchase()
            await asyncio.sleep(0.2)
            await kill_mid_purchase()  # no worker runs now: claims cut mid-call, tasks stranded in Redis
            for _ in range(2):
                await workers.start()
            await kill_mid_purchase()  # the survivor and its sweeps finish everything

            async def finished() -> bool:
                """Everything delivered, except attempts the provider never saw: those must have been looked up
                by a sweep (found nothing, so left unknown: never refunded, never bought again)."""
                for tx_id, recipient in zip(ids, recipients, strict=True):
                    tx = await transaction(shop, tx_id)
                    unseen = fake.attempts[recipient] == 0 and tx.status is TxStatus.PROCESSING
                    if tx.status is not TxStatus.COMPLETED and not (unseen and tx.outcome_unknown):
                        return False
                return True

            await eventually(finished, within=60, every=0.25, what="the sweep finishing every purchase")
            elapsed = asyncio.get_running_loop().time() - started
            await workers.stop_all()
            phases.append(f"workers stopped at {asyncio.get_running_loop().time() - started:.1f}")

            outcomes: Counter[str] = Counter()
            orders, attempts = fake.orders_by_recipient(), fake.attempts
            refs = {order.username.casefold(): order.ref_id for order in fake.orders}
            spent = dict.fromkeys(USERS, Decimal(0))
            for tx_id, recipient in zip(ids, recipients, strict=True):
                tx = await transaction(shop, tx_id)
                assert attempts[recipient] <= 1 and orders[recipient] <= 1, (recipient, attempts[recipient])
                if tx.status is TxStatus.COMPLETED:
                    assert tx.receipt is not None and tx.receipt.ref_id == refs[recipient]
                    spent[tx.user_id] += tx.amount.amount
                    outcomes["delivered"] += 1
                else:
                    # killed after the claim, before the call reached the provider: nothing bought, never
                    # re-bought, never refunded by itself; an operator refuses it after checking
                    assert tx.status is TxStatus.PROCESSING and orders[recipient] == 0, (recipient, tx.status)
                    await call(shop, RecordDelivery, DeliveryResult(tx_id=tx_id, outcome=Refused(reason="operator")))
                    outcomes["claimed, never sent: operator refused"] += 1
            assert sum(in_flight_at_kills) > 0, "no kill landed during a purchase"
            swept = swept_deliveries(tmp_path)
            assert swept > 0, "no purchase cut off by a kill was found and recorded by the sweep"
            assert outcomes["delivered"] >= PURCHASES // 2, outcomes
            expected = {user: (Decimal("50.00") - spent[user], Decimal(0)) for user in USERS}
            assert await balances(shop, *USERS) == expected

            auditor = await workers.run("audit")  # the operator's `starshop audit`
            status = await workers.exit_status(auditor)
            output = workers.output(workers.started, "audit")
            phases.append(f"audit done at {asyncio.get_running_loop().time() - started:.1f}")
            assert status == 0, output
            assert f"audited {len(USERS)} users: 0 violating" in output
            print(
                f"\n{workers.started - 1} worker processes, {len(in_flight_at_kills)} killed with "
                f"{in_flight_at_kills} purchases in flight; all settled {elapsed:.1f} s after the first start: "
                f"{dict(outcomes)}; recorded by the sweep: {swept}; provider orders: {len(fake.orders)} for "
                f"{PURCHASES} purchases; {phases}"
            )
        finally:
            await workers.close()
            await shop.close()


def swept_deliveries(logs: Path) -> int:
    """Deliveries the workers' sweeps recorded (found at the provider), from their ``sweep: purchases`` log lines."""
    lines = (line for path in logs.glob("*-worker.log") for line in path.read_text().splitlines())
    return sum(
        int(found.group(1))
        for line in lines
        if "sweep: purchases" in line and (found := re.search(r"\bdelivered=(\d+)", line)) is not None
    )


async def _true(value: bool) -> bool:
    return value
