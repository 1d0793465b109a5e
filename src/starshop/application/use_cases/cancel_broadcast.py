from __future__ import annotations

from starshop.application.errors import BroadcastNotSending, UnknownBroadcast
from starshop.application.ports import Clock, UnitOfWork
from starshop.domain.broadcast import Broadcast


class CancelBroadcast:
    """Stop a broadcast: no recipient is claimed after the commit (a message already on its way still arrives).

    - An unknown id is refused; a broadcast that finished or was cancelled already is refused (409).
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, broadcast_id: str) -> Broadcast:
        async with self._uow as uow:
            cancelled = await uow.broadcasts.cancel(broadcast_id, self._clock.now())
            await uow.commit()
        async with self._uow as uow:
            found = await uow.broadcasts.get(broadcast_id)
        if found is None:
            msg = f"no broadcast {broadcast_id}"
            raise UnknownBroadcast(msg)
        if not cancelled:
            msg = f"broadcast {broadcast_id} is {found.status.value}: nothing to cancel"
            raise BroadcastNotSending(msg)
        return found
