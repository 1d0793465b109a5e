"""The asyncpg path behind pgbouncer in transaction mode (deploy/pgbouncer/): many client connections share a few
server connections, one transaction at a time, so no session may keep a prepared statement. With the URL's
``prepared_statement_cache_size=0`` the shop keeps none, and concurrent credits, in one step or under the lock, still
each land exactly once. Skipped where pgbouncer is not installed (Debian: ``apt-get install pgbouncer``)."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from starshop.adapters.inprocess import InProcessRateLimiter
from starshop.adapters.sqla.engine import create_engine
from starshop.adapters.sqla.readers import SqlaLedgerReader
from starshop.adapters.sqla.uow import SqlaUnitOfWork
from starshop.application.use_cases.confirm_payment import ConfirmPayment, PaymentOutcome
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.domain import Balance, Currency, Money, PaymentStatus, User
from starshop.testing.doubles import FixedClock, ScriptedPaymentGateway, SequentialIds
from starshop.testing.wiring import default_config
from tests.support import free_port

pytestmark = [pytest.mark.drill, pytest.mark.postgres]
USD = Currency.of("USD")
USERS, RECHARGES, SERVER_CONNECTIONS = 4, 40, 3


def usd(value: str) -> Money:
    return Money.of(value, USD)


@pytest.fixture
def pgbouncer(pg_url: str) -> Iterator[str]:
    """pgbouncer in transaction mode in front of the test's database; yields the shop's URL through it."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        pytest.skip("pgbouncer is not installed")
    target = make_url(pg_url)
    directory = Path(tempfile.mkdtemp(prefix="starshop-drill-pgbouncer-"))
    port = free_port()
    (directory / "users.txt").write_text(f'"{target.username}" ""\n')
    (directory / "pgbouncer.ini").write_text(
        f"[databases]\n{target.database} = host={target.host} port={target.port or 5432}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\nauth_type = trust\n"
        f"auth_file = {directory / 'users.txt'}\npool_mode = transaction\n"
        f"default_pool_size = {SERVER_CONNECTIONS}\nmax_client_conn = 500\n"
        "ignore_startup_parameters = extra_float_digits\n"
    )
    command = [binary, str(directory / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        owner = pwd.getpwnam("postgres")
        for path in (directory, *directory.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        command = ["runuser", "-u", "postgres", "--", *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)], check=False).returncode:
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("pgbouncer did not start")
            time.sleep(0.1)
        yield target.set(port=port, query={"prepared_statement_cache_size": "0"}).render_as_string(False)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


async def test_credits_paid_at_once_through_pgbouncer_each_land_once(pgbouncer: str) -> None:
    engine = create_engine(pgbouncer, pool_size=20, max_overflow=0)
    clock, ids, config = FixedClock(), SequentialIds(), default_config()
    gateway = ScriptedPaymentGateway(clock, lifetime=config.invoice_lifetime)
    try:
        async with SqlaUnitOfWork(engine, clock) as uow:
            for user_id in range(1, USERS + 1):
                await uow.users.upsert(User(user_id=user_id, created_at=clock.now(), updated_at=clock.now()))
                await uow.balances.ensure(user_id, USD)
            await uow.commit()
        create = CreateRecharge(SqlaUnitOfWork(engine, clock), gateway, clock, ids, InProcessRateLimiter({}), config)
        notes = []
        for n in range(RECHARGES):
            made = await create(CreateRechargeInput(user_id=1 + n % USERS, amount=usd(f"{n + 1}.00")))
            assert made.recharge.order_id is not None
            notes.append(gateway.set_status(made.recharge.order_id, PaymentStatus.PAID))

        outcomes = await asyncio.gather(
            *(ConfirmPayment(SqlaUnitOfWork(engine, clock), clock, config)(note) for note in notes * 2)
        )

        assert outcomes.count(PaymentOutcome.CREDITED) == RECHARGES
        assert set(outcomes) == {PaymentOutcome.CREDITED, PaymentOutcome.DUPLICATE}
        async with SqlaUnitOfWork(engine, clock) as uow:
            for user_id in range(1, USERS + 1):
                expected = sum(n + 1 for n in range(RECHARGES) if 1 + n % USERS == user_id)
                assert await uow.balances.get(user_id) == Balance(user_id, usd(f"{expected}.00"), usd("0"))
        for totals in await SqlaLedgerReader(engine).totals():
            assert totals.journal_amount == totals.amount
    finally:
        await engine.dispose()
