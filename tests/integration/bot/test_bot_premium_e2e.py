# ruff: noqa: RUF001  (a real minus sign and emoji are the point of these texts)
"""A Telegram Premium gift end to end on each stack: a person talks to the bot through the fake Bot API (webhook
mode, as production runs), the worker buys the gift from the local fake of the hosted Fragment API over real HTTP,
and the delivered (or refunded) message names the product."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from starshop.entrypoints.runtime import running
from starshop.entrypoints.settings import Secret, WorkerSettings
from starshop.entrypoints.worker import worker_pieces
from starshop.testing.fakes import FakeBotApi, FakeFragment
from starshop.testing.fakes.fragment import BUY_PREMIUM

from .conftest import ALICE, ShopBot, stack_bot

SEED = " ".join(["abandon"] * 23 + ["art"])


@pytest.fixture
def retry_attempts() -> int:
    return 2


@pytest.fixture
async def fragment() -> AsyncIterator[FakeFragment]:
    fake = FakeFragment(seed=SEED, users={"bob_gift", "alice_tg"}, balance=Decimal(100))
    async with fake.running():
        yield fake


@pytest.fixture
async def premium_bot(stack: dict[str, Any], fake: FakeBotApi, fragment: FakeFragment) -> AsyncIterator[ShopBot]:
    settings = {
        "fragment_seed": Secret(SEED),
        "fragment_url": fragment.url,
        "fragment_timeout": 0.5,
        "delivery_lookup_after": 1.0,
        "premium_prices": {3: Decimal("12.99"), 6: Decimal("16.99"), 12: Decimal("29.99")},
    }
    async with stack_bot(stack, fake, **settings) as bot:
        yield bot


async def told(bot: ShopBot, starts: str, *, limit: float = 15.0) -> str:
    """Run the worker until the bot has told the user something starting with ``starts``."""
    async with running(worker_pieces(bot.container, WorkerSettings(relay_every=0.02, sweep_every=0.05))):
        async with asyncio.timeout(limit):
            while True:
                found = [c.text for c in bot.fake.sent if (c.text or "").startswith(starts)]
                if found:
                    return found[-1] or ""
                await asyncio.sleep(0.05)


async def order(bot: ShopBot, months: int, recipient: str) -> None:
    await bot.pressed("m:premium")
    await bot.pressed(f"pm:{months}")
    await bot.pressed("br:1")
    await bot.said(f"@{recipient}")
    await bot.pressed("bp:balance")
    accepted = await bot.confirmed()
    assert (accepted.text or "").startswith(f"✅ Order accepted: 💎 Premium for {months} months for @{recipient}.")


async def test_a_premium_gift_through_the_bot_is_bought_once_and_announced(
    premium_bot: ShopBot, fragment: FakeFragment
) -> None:
    start = await premium_bot.said("/start")
    assert ["💎 Telegram Premium"] in start.buttons
    await premium_bot.bonus(ALICE, "20.00")
    await order(premium_bot, 3, "bob_gift")
    message = await told(premium_bot, "💎 Delivered")
    first, reference, *_ = message.split("\n")  # then the provider's reference and its transaction
    assert first == "💎 Delivered: Telegram Premium for 3 months to @bob_gift for 12.99 USD."
    assert reference.startswith("🧾 Provider reference: Ref#")
    [bought] = fragment.orders
    assert (bought.username, bought.duration, bought.amount) == ("bob_gift", 3, None)
    assert fragment.calls[BUY_PREMIUM] == 1
    history = await premium_bot.said("/history")
    assert "💎 Premium 3 mo. for @bob_gift · −12.99 USD · done" in (history.text or "")
    balance = await premium_bot.said("/balance")
    assert (balance.text or "").startswith("💰 Balance: 7.01 USD\nAvailable: 7.01 USD")


async def test_a_gift_answered_too_late_is_reconciled_and_never_bought_twice(
    premium_bot: ShopBot, fragment: FakeFragment
) -> None:
    await premium_bot.said("/start")
    await premium_bot.bonus(ALICE, "20.00")
    fragment.answer_slowly(BUY_PREMIUM, seconds=1.5)
    await order(premium_bot, 6, "bob_gift")
    message = await told(premium_bot, "💎 Delivered")
    first, reference, *_ = message.split("\n")  # then the provider's reference and its transaction
    assert first == "💎 Delivered: Telegram Premium for 6 months to @bob_gift for 16.99 USD."
    assert reference.startswith("🧾 Provider reference: Ref#")
    assert fragment.calls[BUY_PREMIUM] == 1
    assert len(fragment.orders) == 1


async def test_a_refused_gift_is_refunded_and_the_user_told(premium_bot: ShopBot, fragment: FakeFragment) -> None:
    await premium_bot.said("/start")
    await premium_bot.bonus(ALICE, "20.00")
    fragment.refuse(BUY_PREMIUM, message="This user cannot receive Premium")
    await order(premium_bot, 3, "bob_gift")
    message = await told(premium_bot, "↩")
    assert message == (
        "↩ We could not give Telegram Premium for 3 months to @bob_gift. 12.99 USD is back on your balance."
    )
    balance = await premium_bot.said("/balance")
    assert (balance.text or "").startswith("💰 Balance: 20.00 USD\nAvailable: 20.00 USD")
