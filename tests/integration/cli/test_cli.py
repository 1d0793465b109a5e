"""The ``starshop`` command as an operator runs it: a real process, real databases."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from starshop.adapters.sqla.migrate import head_revision
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[3]
STARSHOP = [sys.executable, "-m", "starshop.entrypoints.cli"]
HELEKET_KEYS = {"STARSHOP_HELEKET_MERCHANT": "merchant", "STARSHOP_HELEKET_PAYMENT_KEY": "payment-key"}


def starshop(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STARSHOP_")}
    return subprocess.run(
        [*STARSHOP, *args], cwd=cwd, env=clean | env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("command", ["run", "web", "worker", "migrate", "audit"])
def test_every_command_has_help(tmp_path, command):
    result = starshop(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "usage: starshop" in result.stdout


def test_bad_settings_exit_non_zero_with_one_line_each_and_no_traceback(tmp_path):
    result = starshop("audit", cwd=tmp_path, STARSHOP_PORT="x", STARSHOP_ENV="staging")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "starshop: STARSHOP_ENV: must be one of development, production, got 'staging'",
        "starshop: STARSHOP_PORT: must be a whole number, got 'x'",
    ]


def test_a_malformed_dotenv_line_is_named_by_number_and_never_shown(tmp_path):
    (tmp_path / ".env").write_text("STARSHOP_LOG_LEVEL=debug  # fine\nSTARSHOP_BOT_TOKEN 1:do-not-print\n")
    result = starshop("audit", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("starshop: .env line 2: expected KEY=VALUE")
    assert "do-not-print" not in result.stderr + result.stdout


def test_an_unreachable_database_is_one_clear_line(tmp_path):
    port = free_port()
    result = starshop("audit", cwd=tmp_path, STARSHOP_DATABASE_URL=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/x")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("starshop: database postgresql+asyncpg://postgres@127.0.0.1")
    assert "unreachable" in line


@pytest.mark.postgres
def test_an_unmigrated_database_is_refused_until_migrate_runs(tmp_path):
    from tests.db import create_database, database_url, drop_database, run_in_thread

    name = run_in_thread(create_database())
    try:
        url = database_url(name)
        refused = starshop("audit", cwd=tmp_path, STARSHOP_DATABASE_URL=url)
        assert refused.returncode == 1
        assert "run `starshop migrate`" in refused.stderr
        migrated = starshop("migrate", cwd=tmp_path, STARSHOP_DATABASE_URL=url)
        assert migrated.returncode == 0, migrated.stderr
        assert f"database at migration {head_revision()}" in migrated.stdout
        audited = starshop("audit", cwd=tmp_path, STARSHOP_DATABASE_URL=url)
        assert audited.returncode == 0
        assert "audited 0 users: 0 violating" in audited.stdout
        down = starshop("migrate", "--down", cwd=tmp_path, STARSHOP_DATABASE_URL=url)
        assert "database at migration base" in down.stdout
    finally:
        run_in_thread(drop_database(name))


def test_audit_exits_non_zero_and_lists_a_violating_user(tmp_path):
    import sqlite3

    assert starshop("migrate", cwd=tmp_path).returncode == 0
    from starshop.adapters.sqla.types import SQLITE_MONEY_FUNCTIONS

    db = sqlite3.connect(tmp_path / "starshop.db")
    for name, (arity, function) in SQLITE_MONEY_FUNCTIONS.items():  # the money CHECKs call them
        db.create_function(name, arity, function, deterministic=True)
    now = "2026-01-01 00:00:00"
    db.execute("INSERT INTO users (user_id, is_premium, created_at, updated_at) VALUES (7, 0, ?, ?)", (now, now))
    db.execute(
        "INSERT INTO balances (user_id, amount, held, currency, created_at, updated_at)"
        " VALUES (7, '5.000000000000000000', '0', 'USD', ?, ?)",
        (now, now),
    )
    db.commit()
    db.close()
    result = starshop("audit", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "user 7: amount 5.00 but the journal says 0.00"


def start_run(tmp_path: Path, *, env: dict[str, str], stdout: int, stderr: int) -> tuple[subprocess.Popen[str], int]:
    """``starshop run`` on a free port, with no ``STARSHOP_*`` setting but ``env``."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STARSHOP_")}
    command = [*STARSHOP, "run", "--port", str(port)]
    proc = subprocess.Popen(command, cwd=tmp_path, env=clean | env, stdout=stdout, stderr=stderr, text=True)
    return proc, port


def wait_serving(port: int, path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"starshop run did not serve {path} within 60 s")


def test_run_with_no_configuration_serves_the_sandbox_and_stops_cleanly(tmp_path):
    proc, port = start_run(tmp_path, env={}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_serving(port, "/health/ready")
        assert (tmp_path / "starshop.db").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "SANDBOX" in output
    assert "Traceback" not in output


def test_json_logs_stay_json_once_the_app_is_built_and_carry_the_request_id(tmp_path):
    """Litestar's default logging set-up would replace ours (plain text, through its own queue thread)."""
    env = {"STARSHOP_LOG_FORMAT": "json"}
    proc, port = start_run(tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_serving(port, "/health/live")
        refused = httpx.post(
            f"http://127.0.0.1:{port}/webhooks/heleket", content=b"{}", headers={"X-Request-ID": "trace-42"}
        )
        assert refused.status_code == 400
    finally:
        proc.send_signal(signal.SIGINT)
        _, errors = proc.communicate(timeout=30)
    assert proc.returncode == 0, errors
    lines = [json.loads(line) for line in errors.splitlines() if line.strip()]  # every line is one JSON object
    webhook = [line for line in lines if line["logger"] == "starshop.webhooks.heleket"]
    assert [(line["level"], line["request_id"]) for line in webhook] == [("WARNING", "trace-42")]
    access = [line for line in lines if line["logger"] == "uvicorn.access" and "/webhooks/heleket" in line["message"]]
    assert [line["request_id"] for line in access] == ["trace-42"]


def test_make_run_from_a_fresh_clone_serves_health_ready_within_60_seconds(tmp_path):
    """The README's first command, exactly as a new user types it (the clone installs its own .venv)."""
    if not (ROOT / ".git").exists():
        pytest.fail("not a git checkout: nothing to clone")  # CI always runs from a clone
    clone = tmp_path / "starshop"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=60)
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("STARSHOP_", "VIRTUAL_ENV"))}
    proc = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=clean | {"STARSHOP_PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"make run did not serve /health/ready within 60 s:\n{proc.communicate()[0][-3000:]}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            proc.communicate(timeout=30)


async def audit_process(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """``starshop audit`` while this test's event loop keeps serving (the fake provider runs on it)."""
    import asyncio

    clean = {k: v for k, v in os.environ.items() if not k.startswith("STARSHOP_")}
    proc = await asyncio.create_subprocess_exec(
        *STARSHOP, "audit", *args, cwd=cwd, env=clean | env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_audit_provider_lists_each_order_and_purchase_the_provider_disagrees_with(tmp_path, sqlite_url):
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from starshop.application.ports import Delivered
    from starshop.application.use_cases.buy_stars import BuyStarsInput
    from starshop.application.use_cases.create_recharge import CreateRechargeInput
    from starshop.application.use_cases.record_delivery import DeliveryResult
    from starshop.application.use_cases.register_user import TelegramProfile
    from starshop.domain import DeliveryReceipt, PaymentStatus
    from starshop.entrypoints.settings import DatabaseSettings
    from starshop.testing import build_shop
    from starshop.testing.fakes import FakeFragment

    seed = " ".join(["abandon"] * 23 + ["art"])
    fake = FakeFragment(seed=seed, users={"alice_user", "bob_builder"}, balance=Decimal(100))
    shop = build_shop(database=DatabaseSettings(url=sqlite_url, pool_size=1))
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    shop.clock.advance(t0 - shop.clock.now())
    await shop.register_user(TelegramProfile(user_id=7, username="seven"))
    recharge = await shop.create_recharge(CreateRechargeInput(user_id=7, amount=shop.money("10")))
    await shop.confirm_payment(shop.gateway.set_status(recharge.recharge.order_id, PaymentStatus.PAID))

    async def bought(stars: int, recipient: str, ref_id: str) -> str:
        shop.delivery.script("unknown")
        result = await shop.buy_stars(BuyStarsInput(user_id=7, stars=stars, recipient=recipient))
        await shop.run_background()
        receipt = DeliveryReceipt(ref_id=ref_id)
        await shop.record_delivery(DeliveryResult(tx_id=result.purchase.id, outcome=Delivered(receipt=receipt)))
        return result.purchase.id

    order = fake.add_order("alice_user", 100, created_at=t0 + timedelta(seconds=1))
    await bought(100, "alice_user", order.ref_id)
    stray = fake.add_order("bob_builder", 50, created_at=t0 + timedelta(seconds=2))
    unseen = await bought(200, "bob_builder", "Ref#missing")
    await shop.aclose()

    env = {"STARSHOP_DATABASE_URL": sqlite_url, "STARSHOP_FRAGMENT_SEED": seed} | HELEKET_KEYS
    async with fake.running() as url:
        since = (t0 - timedelta(minutes=1)).isoformat()
        code, out, err = await audit_process(
            "--provider", "--since", since, cwd=tmp_path, STARSHOP_FRAGMENT_URL=url, **env
        )
        assert code == 1, err
        assert err == "", err
        assert out.splitlines()[:3] == [
            "audited 1 users: 0 violating the invariants",
            f"order {stray.ref_id} (50 stars to @bob_builder at {stray.created_at.isoformat()}) belongs to no purchase",
            f"completed purchase {unseen} records order Ref#missing, which the provider does not show",
        ]
        assert "2 orders, 2 completed purchases, 2 mismatches" in out.splitlines()[3]
        code, out, err = await audit_process(
            "--provider", "--since", "30m", cwd=tmp_path, STARSHOP_FRAGMENT_URL=url, **env
        )
        assert code == 0, err
        assert out.splitlines()[-1].endswith("0 orders, 0 completed purchases, 0 mismatches")
        fake.fail("/getOrders", times=100)
        code, _, err = await audit_process("--provider", cwd=tmp_path, STARSHOP_FRAGMENT_URL=url, **env)
        assert code == 1
        assert err.splitlines()[-1].startswith("starshop: the provider's order history cannot be read: POST /getOrders")
        assert "Traceback" not in err


async def test_audit_since_needs_provider_and_provider_needs_a_real_provider(tmp_path):
    code, _, err = await audit_process("--since", "24h", cwd=tmp_path)
    assert (code, err.strip()) == (1, "starshop: --since sets the window of --provider: add --provider")
    code, _, err = await audit_process("--provider", cwd=tmp_path)
    assert code == 1
    assert "--provider needs the Fragment provider (STARSHOP_FRAGMENT_SEED)" in err
    code, _, err = await audit_process("--provider", "--since", "yesterday", cwd=tmp_path)
    assert code == 2
    assert "not a time nor an age" in err
