"""``starshop run`` with a bot token: the bot answers in polling mode, registers its webhook in webhook mode, and
users are told about their money through it. Telegram is a local fake Bot API over real HTTP."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from starshop.entrypoints.bot import SECRET_HEADER
from starshop.entrypoints.web.auth import init_data_for
from starshop.testing.fakes import FakeBotApi
from tests.support import free_port

TOKEN = "4242:fake-token-for-tests"


def user_update(update_id: int, text: str) -> dict[str, object]:
    user = {"id": 777, "is_bot": False, "first_name": "Ann", "username": "ann_user", "language_code": "en"}
    message = {"message_id": update_id, "date": int(time.time()), "chat": {"id": 777, "type": "private"}}
    return {"update_id": update_id, "message": {**message, "from": user, "text": text}}


async def started(tmp_path: Path, fake: FakeBotApi, **env: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STARSHOP_")}
    settings = {
        "STARSHOP_BOT_TOKEN": TOKEN,
        "STARSHOP_TELEGRAM_URL": fake.url,
        "STARSHOP_PORT": str(port),
        "STARSHOP_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once; the test then only polls it
        [sys.executable, "-m", "starshop.entrypoints.cli", "run"],
        cwd=tmp_path,
        env=clean | settings | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"{url}/health/ready")).status_code == 200:
                    return proc, url
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    proc.kill()
    pytest.fail(proc.communicate()[0][-2000:])


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    return output


async def test_in_polling_mode_the_bot_answers_and_tells_users_their_money_arrived(tmp_path):
    async with FakeBotApi() as fake:
        proc, url = await started(tmp_path, fake)
        try:
            await fake.wait_for("setMyCommands", within=10)
            fake.queue_update(user_update(1, "/start"))
            [welcome] = await fake.wait_for("sendMessage", within=10)
            assert str(welcome.params["chat_id"]) == "777"
            auth = f"tma {init_data_for({'id': 777, 'username': 'ann_user'}, TOKEN)}"  # the Mini App, same user
            async with httpx.AsyncClient(base_url=url, headers={"Authorization": auth}) as api:
                recharge = await api.post(
                    "/api/v1/recharges", json={"amount": "5.00"}, headers={"Idempotency-Key": "a"}
                )
                await api.post(f"{recharge.json()['invoice_url']}/pay")
            sent = await fake.wait_for("sendMessage", count=2, within=10)
            assert "5.00" in (sent[1].text or "")
        finally:
            output = stop(proc)
    assert "bot: polling" in output


async def test_in_webhook_mode_the_bot_registers_its_webhook_and_checks_the_secret(tmp_path):
    async with FakeBotApi() as fake:
        port_env = {"STARSHOP_BOT_MODE": "webhook", "STARSHOP_BOT_WEBHOOK_SECRET": "hook-secret"}
        proc, url = await started(tmp_path, fake, **port_env)
        try:
            [hook] = await fake.wait_for("setWebhook", within=10)
            assert hook.params["url"] == f"{url}/webhooks/telegram"
            assert hook.params["secret_token"] == "hook-secret"
            async with httpx.AsyncClient(base_url=url) as client:
                refused = await client.post("/webhooks/telegram", json=user_update(5, "/help"))
                wrong = await client.post(
                    "/webhooks/telegram", json=user_update(5, "/help"), headers={SECRET_HEADER: "x"}
                )
                handled = await client.post(
                    "/webhooks/telegram", json=user_update(5, "/help"), headers={SECRET_HEADER: "hook-secret"}
                )
            assert (refused.status_code, wrong.status_code, handled.status_code) == (401, 403, 200)
            assert len(fake.calls_to("sendMessage")) == 1  # answered before the 200
        finally:
            stop(proc)


async def test_the_bot_alone_serves_health_and_counts_updates_by_handler_on_the_worker_port(tmp_path):
    health = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STARSHOP_")}
    settings = {"STARSHOP_BOT_TOKEN": TOKEN, "STARSHOP_WORKER_PORT": str(health)}
    async with FakeBotApi() as fake, httpx.AsyncClient(base_url=f"http://127.0.0.1:{health}") as client:
        proc = subprocess.Popen(  # noqa: ASYNC220 - started once; the test then only polls it
            [sys.executable, "-m", "starshop.entrypoints.cli", "bot"],
            cwd=tmp_path,
            env=clean | settings | {"STARSHOP_TELEGRAM_URL": fake.url},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            await fake.wait_for("setMyCommands", within=30)
            fake.queue_update(user_update(1, "/start"))
            await fake.wait_for("sendMessage", within=10)
            assert (await client.get("/health/ready")).status_code == 200
            text = (await client.get("/metrics")).text
        finally:
            output = stop(proc)
    assert 'starshop_bot_updates_total{handler="menu.start"} 1.0' in text
    assert 'starshop_bot_handler_seconds_count{handler="menu.start"} 1.0' in text
    assert "starshop_bot_throttled_total 0.0" in text
    assert "Traceback" not in output
