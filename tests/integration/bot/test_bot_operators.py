"""Operator commands: they work for admin ids and do not exist for anyone else."""

import pytest

from .conftest import ADMIN, BotHarness

OPERATOR_COMMANDS = ["/stats", "/bonus 101 5", "/adjust 101 -1 typo", "/tx abc", "/reconcile"]


@pytest.mark.parametrize("command", OPERATOR_COMMANDS)
async def test_operator_commands_do_not_exist_for_a_regular_user(harness: BotHarness, command: str) -> None:
    await harness.send("/start")
    assert await harness.send(command) == []
    assert await harness.send(command, lang="ru") == []


async def test_bonus_and_adjust_change_the_balance_and_tx_shows_the_transaction(harness: BotHarness) -> None:
    await harness.send("/start")
    reply = await harness.said("/bonus 101 5", user_id=ADMIN)
    assert reply.text is not None
    assert reply.text.startswith("🎁 Bonus 5.00 USD for user 101: transaction ")
    tx_id = reply.text.rsplit(" ", 1)[1].rstrip(".")
    reply = await harness.said("/adjust 101 -1.50 typo in the bonus", user_id=ADMIN, lang="ru")
    assert reply.text is not None
    assert reply.text.startswith("🛠 Корректировка -1.50 USD пользователю 101: операция ")
    assert (await harness.said("/balance")).text == (
        "💰 Balance: 3.50 USD\nAvailable: 3.50 USD\nReserved for orders in progress: 0.00 USD"
    )
    reply = await harness.said(f"/tx {tx_id}", user_id=ADMIN)
    assert reply.text is not None
    lines = reply.text.split("\n")
    assert lines[:6] == [f"🧾 {tx_id}", "User: 101", "Type: bonus", "Status: completed", "Amount: 5.00 USD", lines[5]]
    assert lines[6] == f"Details: Bonus; by {ADMIN}"


async def test_operator_usage_and_refusals(harness: BotHarness) -> None:
    assert (await harness.said("/bonus", user_id=ADMIN)).text == "Usage: /bonus <user id> <amount>"
    assert (await harness.said("/bonus 101", user_id=ADMIN, lang="ru")).text == (
        "Формат: /bonus <id пользователя> <сумма>"
    )
    assert (await harness.said("/bonus alice 5", user_id=ADMIN)).text == "«alice» is not a Telegram user id."
    assert (await harness.said("/adjust 101 5", user_id=ADMIN)).text == (
        "Usage: /adjust <user id> <amount, may be negative> <reason>"
    )
    assert (await harness.said("/tx", user_id=ADMIN)).text == "Usage: /tx <transaction id>"
    assert (await harness.said("/tx nope", user_id=ADMIN)).text == "There is no such transaction."
    assert (await harness.said("/bonus 555 5", user_id=ADMIN)).text == "Please send /start first."
    assert (await harness.said("/bonus 101 five", user_id=ADMIN)).text == (
        "«five» is not an amount. Send a number, for example 12.50."
    )
    assert (await harness.said("/bonus 101 -5", user_id=ADMIN, lang="ru")).text == "Неверная сумма."


async def test_stats_and_reconcile(harness: BotHarness) -> None:
    await harness.send("/start")
    await harness.bonus(101, "10.00")
    await harness.send("/buy 100 @bob_gift")
    await harness.confirm()
    reply = await harness.said("/stats", user_id=ADMIN)
    assert reply.text == (
        "📊 Users: 1\nRecharged: 0.00 USD\nSold: 0.00 USD (0 ⭐ delivered)\n"
        "Balances: 10.00 USD (held 1.65 USD)\nFlagged: 0\nBy status: completed 1, pending 1"
    )
    reply = await harness.said("/reconcile", user_id=ADMIN, lang="ru")
    assert reply.text == (
        "🔄 Сверка: в очередь 0, доставлено 0, не решено 0, помечено 0, ошибок поиска 0.\n"
        "✅ Аудит журнала: 1 пользователей, всё сходится."
    )
