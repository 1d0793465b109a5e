"""A broadcast survives its worker: ``starshop worker``'s pieces on Postgres and Redis are stopped mid-broadcast (the
slice in hand is finished, the rest stays queued in Redis) and a new worker, on a new container as a new process would
be, sends the rest; every recipient gets the message exactly once, at the shared rate."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from dishka import AsyncContainer, Provider, Scope, provide

from starshop.application.ports import MessageSender
from starshop.application.use_cases._broadcasts import Draft
from starshop.application.use_cases.create_broadcast import CreateBroadcast
from starshop.application.use_cases.get_broadcast import GetBroadcast
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile
from starshop.application.use_cases.send_broadcast import SLICE
from starshop.domain.broadcast import Broadcast, BroadcastStatus, Segment
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.runtime import running
from starshop.entrypoints.settings import Settings, WorkerSettings
from starshop.entrypoints.worker import worker_pieces
from starshop.testing.doubles import ScriptedMessageSender
from tests.support import REDIS_URL

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
T = TypeVar("T")
USERS = range(1, SLICE + 31)  # more than one slice
FAST = WorkerSettings(relay_every=0.02, sweep_every=0.05)


class Sender(Provider):
    scope = Scope.APP

    def __init__(self, sender: ScriptedMessageSender) -> None:
        super().__init__()
        self.sender = sender

    @provide(override=True)
    def given(self) -> MessageSender:
        return self.sender


async def call(container: AsyncContainer, kind: type[T], run: Callable[[T], Awaitable[object]]) -> object:
    async with container() as scope:
        return await run(await scope.get(kind))


async def until(check: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_worker_stopped_mid_broadcast_is_resumed_by_the_next_and_nobody_gets_it_twice(pg_url: str) -> None:
    settings = Settings(database_url=pg_url, redis_url=REDIS_URL, redis_prefix=f"test-{uuid.uuid4().hex[:10]}:")
    sender = ScriptedMessageSender()
    first = build_container(settings, Sender(sender))
    try:
        for user_id in USERS:
            await call(first, RegisterUser, lambda uc, u=user_id: uc(TelegramProfile(user_id=u)))
        draft = Draft(operator_id=9, text="Hi <b>all</b>", segment=Segment(), idempotency_key="restart-1")
        made = await call(first, CreateBroadcast, lambda uc: uc(draft))
        broadcast_id = made.broadcast.id  # type: ignore[attr-defined]

        async def progress() -> Broadcast:
            found = await call(first, GetBroadcast, lambda uc: uc(broadcast_id))
            assert isinstance(found, Broadcast)
            return found

        async with running(worker_pieces(first, FAST)):
            await until(lambda: asyncio.sleep(0, len(sender.sent) >= 10))
        stopped = await progress()  # the slice in hand was finished before the worker stopped
        assert stopped.status is BroadcastStatus.SENDING
        assert stopped.progress.sent == len(sender.sent) == SLICE
        assert stopped.progress.sending == 0 and stopped.progress.pending == len(USERS) - SLICE
    finally:
        await first.close()

    second = build_container(settings, Sender(sender))
    try:
        async with running(worker_pieces(second, FAST)):

            async def done() -> bool:
                found = await call(second, GetBroadcast, lambda uc: uc(broadcast_id))
                return isinstance(found, Broadcast) and found.status is BroadcastStatus.DONE

            await until(done)
    finally:
        await second.close()
    assert sorted(sender.chats()) == list(USERS)  # each exactly once
