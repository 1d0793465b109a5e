"""``ScriptedMessageSender``: the broadcast ``MessageSender`` a test drives: it records every message and answers
as scripted (blocked, deactivated, 429 with ``retry_after``, or a crash as if the worker died mid-send)."""

from __future__ import annotations

import attrs

from starshop.application.ports import Sent
from starshop.domain.broadcast import Message, RecipientState


class WorkerDied(Exception):
    """Raised by ``crash_after``: the worker stopped between sending and recording."""


@attrs.define
class ScriptedMessageSender:
    sent: list[tuple[int, Message]] = attrs.Factory(list)
    blocked: set[int] = attrs.Factory(set)
    deactivated: set[int] = attrs.Factory(set)
    retry_after: list[float] = attrs.Factory(list)  # answered (one each) before anything else
    crash_after: int | None = None  # messages delivered before the next send dies after delivering
    attempts: int = 0

    def chats(self) -> list[int]:
        return [chat for chat, _ in self.sent]

    async def send(self, chat_id: int, message: Message) -> Sent:
        self.attempts += 1
        if self.retry_after:
            return Sent(state=RecipientState.FAILED, error="Too Many Requests", retry_after=self.retry_after.pop(0))
        if chat_id in self.blocked:
            return Sent(state=RecipientState.BLOCKED, error="Forbidden: bot was blocked by the user")
        if chat_id in self.deactivated:
            return Sent(state=RecipientState.BLOCKED, error="Forbidden: user is deactivated")
        self.sent.append((chat_id, message))
        if self.crash_after is not None and len(self.sent) > self.crash_after:
            self.crash_after = None
            msg = f"the worker died after sending to {chat_id}"
            raise WorkerDied(msg)
        return Sent(state=RecipientState.SENT)
