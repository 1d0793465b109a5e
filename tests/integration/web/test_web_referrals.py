"""Referrals over real HTTP on both stacks: GET /api/v1/referrals gives the caller's code, link and totals; a user
who opens the Mini App with start_param ref_<code> is attributed to that code's owner once, never to themselves."""

import time
from decimal import Decimal

import httpx
import pytest

from starshop.domain import referral_code
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.auth import sign_init_data
from tests.support import free_port, serving

BOT_TOKEN = "123456:test-bot-token"
ALICE = '{"id": 4242, "username": "alice"}'
BOB = '{"id": 5353, "username": "bob"}'


def opened_by(user: str, start_param: str | None = None) -> dict[str, str]:
    fields = {"auth_date": str(int(time.time())), "user": user} | ({"start_param": start_param} if start_param else {})
    return {"Authorization": f"tma {sign_init_data(fields, BOT_TOKEN)}"}


@pytest.fixture
async def api(stack):
    port = free_port()
    settings = Settings(port=port, bot_token=Secret(BOT_TOKEN), referral_percent=Decimal(10), **stack)
    app = create_app(build_container(settings), sandbox=True)
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        yield client


async def test_a_user_sees_their_code_and_who_their_link_brought(api):
    mine = await api.get("/api/v1/referrals", headers=opened_by(ALICE))
    assert mine.status_code == 200, mine.text
    code = referral_code(4242)
    assert mine.json() == {
        "code": code,
        "link": None,  # this shop runs without a bot: nothing to link to
        "start_param": f"ref_{code}",
        "invited": 0,
        "earned": "0.00",
        "currency": "USD",
        "percent": "10",
    }
    joined = await api.get("/api/v1/me", headers=opened_by(BOB, f"ref_{code}"))
    assert joined.status_code == 200, joined.text
    again = await api.get("/api/v1/me", headers=opened_by(BOB, f"ref_{referral_code(9999)}"))
    assert again.status_code == 200
    assert (await api.get("/api/v1/referrals", headers=opened_by(ALICE))).json()["invited"] == 1


async def test_a_user_opening_the_app_with_their_own_code_is_not_attributed(api):
    code = referral_code(4242)
    assert (await api.get("/api/v1/me", headers=opened_by(ALICE, f"ref_{code}"))).status_code == 200
    assert (await api.get("/api/v1/me", headers=opened_by(ALICE, "ref_not-a-code"))).status_code == 200
    assert (await api.get("/api/v1/referrals", headers=opened_by(ALICE))).json()["invited"] == 0


async def test_referrals_need_a_mini_app_user(api):
    assert (await api.get("/api/v1/referrals")).status_code == 401
