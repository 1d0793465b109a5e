"""Without a bot a broadcast reaches nobody: each message is logged and counted failed, never sent."""

from starshop.adapters.logging_notifier import NO_BOT, LoggingMessageSender
from starshop.domain.broadcast import RecipientState, message_of


async def test_a_broadcast_without_a_bot_is_failed_not_sent() -> None:
    outcome = await LoggingMessageSender().send(7, message_of("Stars are <b>10% off</b>"))
    assert (outcome.state, outcome.error) == (RecipientState.FAILED, NO_BOT)
