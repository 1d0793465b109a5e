from __future__ import annotations

from starshop.application.ports import OutboxUnitOfWork, QuarantinedMessage


class ListQuarantinedEvents:
    """The outbox messages the relay set aside, oldest first, for an operator.

    - A message is set aside when this release cannot read it (an event kind from a newer release during a rolling
      deploy, a damaged payload); it is kept as stored, never relayed, and blocks nothing.
    """

    def __init__(self, uow: OutboxUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, *, limit: int = 100) -> list[QuarantinedMessage]:
        async with self._uow as uow:
            return await uow.outbox_reader.quarantined(limit=limit)
