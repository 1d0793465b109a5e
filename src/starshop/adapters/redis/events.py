"""Real-time events over Redis pub/sub, one channel per user (``<prefix>{u:<id>}:events``).

Best-effort by design: an event published while Redis is away is logged and dropped (the database and the
Telegram notifier hold the truth), and a subscriber whose connection breaks reconnects by itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import attrs
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from starshop.adapters.events_codec import event_from_json, event_to_json
from starshop.adapters.redis.client import REDIS_ERRORS, RedisClient, publish, pubsub_client
from starshop.adapters.redis.keys import DEFAULT_PREFIX, check_prefix, events_channel
from starshop.adapters.redis.outage import OutageLog
from starshop.domain.events import Event

logger = logging.getLogger(__name__)


@attrs.define
class RedisEventPublisher:
    client: RedisClient
    prefix: str = attrs.field(default=DEFAULT_PREFIX, converter=check_prefix)
    _outage: OutageLog = attrs.field(factory=lambda: OutageLog(logger, "event publisher"), init=False)

    async def publish(self, event: Event) -> None:
        payload = event_to_json(event)
        try:
            await publish(self.client, events_channel(self.prefix, event.user_id), payload)
        except REDIS_ERRORS as exc:
            self._outage.failed(exc, f"dropped {event.key} for user {event.user_id}")
            return
        self._outage.ok()

    async def publish_many(self, events: Sequence[Event]) -> None:
        """One pipeline of PUBLISH commands (a cluster client publishes them one by one)."""
        if not isinstance(self.client, Redis) or len(events) < 2:
            for event in events:
                await self.publish(event)
            return
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for event in events:
                    pipe.publish(events_channel(self.prefix, event.user_id), event_to_json(event))
                await pipe.execute()
        except REDIS_ERRORS as exc:
            self._outage.failed(exc, f"dropped {len(events)} events")
            return
        self._outage.ok()


@attrs.define
class RedisEventSubscriber:
    """``async with subscriber.subscribe(user_id) as events: async for event in events: ...``"""

    client: RedisClient
    prefix: str = attrs.field(default=DEFAULT_PREFIX, converter=check_prefix)
    reconnect_delay: float = 1.0
    poll_interval: float = 1.0

    @asynccontextmanager
    async def subscribe(self, user_id: int) -> AsyncIterator[RedisSubscription]:
        subscription = RedisSubscription(
            self.client,
            events_channel(self.prefix, user_id),
            reconnect_delay=self.reconnect_delay,
            poll_interval=self.poll_interval,
        )
        await subscription.connect()
        try:
            yield subscription
        finally:
            await subscription.close()


@attrs.define(eq=False)
class RedisSubscription:
    client: RedisClient
    channel: str
    reconnect_delay: float
    poll_interval: float
    _pubsub: PubSub | None = attrs.field(default=None, init=False)
    _connection: Redis | None = attrs.field(default=None, init=False)
    _outage: OutageLog = attrs.field(factory=lambda: OutageLog(logger, "event subscriber"), init=False)

    def __aiter__(self) -> RedisSubscription:
        return self

    async def __anext__(self) -> Event:
        while True:
            if self._pubsub is None and not await self.connect():
                await asyncio.sleep(self.reconnect_delay)
                continue
            assert self._pubsub is not None
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=self.poll_interval)
            except REDIS_ERRORS as exc:
                self._outage.failed(exc, f"reconnecting to {self.channel}; events meanwhile are lost")
                await self.close()
                continue
            event = self._decode(message)
            if event is not None:
                return event

    async def connect(self) -> bool:
        """Subscribe and wait for the confirmation, so an event published after this returns is heard."""
        try:
            self._connection = await pubsub_client(self.client)
            self._pubsub = self._connection.pubsub()
            async with asyncio.timeout(5 * self.poll_interval):
                await self._pubsub.subscribe(self.channel)
                while await self._pubsub.get_message(timeout=self.poll_interval) is None:
                    pass
        except REDIS_ERRORS as exc:
            self._outage.failed(exc, f"cannot subscribe to {self.channel} yet")
            await self.close()
            return False
        self._outage.ok()
        return True

    async def close(self) -> None:
        pubsub, connection = self._pubsub, self._connection
        self._pubsub = self._connection = None
        if pubsub is not None:
            try:
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            except REDIS_ERRORS:
                logger.debug("closing a broken pubsub connection failed", exc_info=True)
        if connection is not None and connection is not self.client:
            await connection.aclose()

    def _decode(self, message: dict[str, object] | None) -> Event | None:
        if message is None or message.get("type") != "message":
            return None
        try:
            return event_from_json(str(message["data"]))
        except ValueError:
            logger.exception("undecodable event on %s dropped", self.channel)
            return None
