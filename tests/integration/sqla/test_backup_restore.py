"""The backup procedure of docs/operations.md, run for real: ``pg_dump`` of a shop with money in every state,
``pg_restore`` into a fresh database, and the restored shop audits clean with every balance as it was."""

import asyncio
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from tests.db import create_database, database_url, drop_database
from tests.drills.support import audit, balances, call, credit, register

from starshop.application.use_cases.adjust_balance import AdjustBalance
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.grant_bonus import GrantBonus
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Settings

pytestmark = pytest.mark.postgres
USERS = [6101, 6102, 6103]
TOOLS = ("pg_dump", "pg_restore")


def libpq(url: str) -> str:
    """The SQLAlchemy URL as the Postgres client tools take it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def run(*argv: str) -> None:
    proc = await asyncio.create_subprocess_exec(*argv, stderr=asyncio.subprocess.PIPE)
    _, errors = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, errors.decode()


async def shop_state(url: str) -> tuple[bool, dict[int, tuple[Decimal, Decimal]]]:
    container = build_container(Settings(database_url=url))
    try:
        report = await audit(container)
        assert report.users_checked == len(USERS)
        return report.ok, await balances(container, *USERS)
    finally:
        await container.close()


async def test_a_dump_restored_into_a_fresh_database_audits_clean_with_every_balance_equal(pg_url, tmp_path: Path):
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the Postgres client tools are not installed here: {', '.join(missing)}")
    shop = build_container(Settings(database_url=pg_url))
    try:
        await register(shop, *USERS)
        for user in USERS:
            await call(shop, GrantBonus, credit(user, "20.00"))
        await call(shop, AdjustBalance, credit(USERS[0], "-3.25"))
        # no worker runs: the purchase stays pending with its price held, so the dump holds money in flight too
        await call(shop, BuyStars, BuyStarsInput(user_id=USERS[1], stars=100, recipient="restore_me"))
    finally:
        await shop.close()
    before_ok, before = await shop_state(pg_url)
    assert before_ok
    assert before[USERS[1]][1] > 0  # held

    dump = tmp_path / "starshop.dump"
    await run("pg_dump", "--format=custom", "--file", str(dump), libpq(pg_url))
    restored = await create_database()
    try:
        url = database_url(restored)
        await run("pg_restore", "--no-owner", "--exit-on-error", "--dbname", libpq(url), str(dump))
        after_ok, after = await shop_state(url)
    finally:
        await drop_database(restored)
    assert after_ok
    assert after == before
