from __future__ import annotations

import logging

from starshop.application.errors import UnknownOutboxMessage
from starshop.application.ports import OutboxUnitOfWork, Released

log = logging.getLogger(__name__)


class ReleaseQuarantinedEvent:
    """Put an outbox message that was set aside back for the relay (once a release that can read it is deployed).

    - The message goes back as stored; a relay that still cannot read it sets it aside again (and alerts again).
    - Releasing a message that waits for the relay already changes nothing (``WAITING``): the call is idempotent.
    - An unknown message (never stored, or relayed and gone) is refused with ``UnknownOutboxMessage``.
    - Every release is logged with the operator who asked.
    """

    def __init__(self, uow: OutboxUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, message_id: int, *, operator: int) -> Released:
        async with self._uow as uow:
            released = await uow.outbox_reader.release(message_id)
            await uow.commit()
        if released is Released.UNKNOWN:
            msg = f"no outbox message {message_id}"
            raise UnknownOutboxMessage(msg)
        log.warning(
            "operator %s released outbox message %s: %s",
            operator,
            message_id,
            released.value,
            extra={"operator": operator, "message_id": message_id, "released": released.value},
        )
        return released
