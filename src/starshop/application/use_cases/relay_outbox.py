from __future__ import annotations

from datetime import timedelta

import attrs

from starshop.application.ports import (
    DELIVER_PURCHASE,
    PLACE_ORDER,
    SEND_BROADCAST,
    Clock,
    EventPublisher,
    Notifier,
    OutboxMessage,
    OutboxUnitOfWork,
    TaskQueue,
)
from starshop.domain import Alert
from starshop.domain.events import (
    NOTIFY_OPERATORS,
    NOTIFY_USER,
    BroadcastQueued,
    OperatorAttention,
    OrderFunded,
    PurchaseQueued,
)


@attrs.frozen(kw_only=True)
class RelayReport:
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    full: bool = False  # the batch was as large as allowed: more may be waiting


class RelayOutbox:
    """Hand committed events on: delivery, order-placing and broadcast tasks to the queue, news to the user, alerts to
    the operators, everything to real-time subscribers.

    - Messages are claimed under a lease, so two relays never send the same batch at once; a message whose hand-over
      failed is retried when its lease runs out (at least once; receivers are idempotent by the event's key).
    - Nothing is sent while a database transaction is open.
    - A transaction flagged for an operator is stored as an alert (once by the event's key) before operators are told,
      so the console lists it whether or not the bot could send it.
    """

    def __init__(
        self,
        uow: OutboxUnitOfWork,
        notifier: Notifier,
        publisher: EventPublisher,
        queue: TaskQueue,
        clock: Clock,
        *,
        lease: timedelta = timedelta(seconds=60),
        batch: int = 100,
    ) -> None:
        self._uow = uow
        self._notifier = notifier
        self._publisher = publisher
        self._queue = queue
        self._clock = clock
        self._lease = lease
        self._batch = batch

    async def __call__(self) -> RelayReport:
        now = self._clock.now()
        async with self._uow as uow:
            messages = await uow.outbox_reader.claim(now=now, lease_until=now + self._lease, limit=self._batch)
            await uow.commit()
        handed = [message for message in messages if await self._hand_on(message)]
        try:
            await self._publisher.publish_many([message.event for message in handed])
        except Exception:
            handed = []  # all of them again after the lease (receivers are idempotent by key)
        done = [message.id for message in handed]
        if done:
            async with self._uow as uow:
                await uow.outbox_reader.complete(done)
                await uow.commit()
        return RelayReport(
            claimed=len(messages),
            delivered=len(done),
            failed=len(messages) - len(done),
            full=len(messages) >= self._batch,
        )

    async def _hand_on(self, message: OutboxMessage) -> bool:
        event = message.event
        try:
            if isinstance(event, PurchaseQueued):
                await self._queue.enqueue(DELIVER_PURCHASE, event.tx_id)
            if isinstance(event, OrderFunded):
                await self._queue.enqueue(PLACE_ORDER, event.tx_id)
            if isinstance(event, BroadcastQueued):
                await self._queue.enqueue(SEND_BROADCAST, event.tx_id)
            if isinstance(event, OperatorAttention):
                await self._keep(Alert.of_attention(event, self._clock.now()))
            if event.kind in NOTIFY_USER or event.kind in NOTIFY_OPERATORS:
                await self._notifier.notify(event)
        except Exception:
            return False
        return True

    async def _keep(self, alert: Alert) -> None:
        async with self._uow as uow:
            await uow.alerts.add(alert)
            await uow.commit()
