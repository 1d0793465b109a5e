from __future__ import annotations

from starshop.application.errors import UnknownBroadcast
from starshop.application.ports import UnitOfWork
from starshop.domain.broadcast import Broadcast


class GetBroadcast:
    """One broadcast with its progress; an unknown id is refused."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, broadcast_id: str) -> Broadcast:
        async with self._uow as uow:
            found = await uow.broadcasts.get(broadcast_id)
        if found is None:
            msg = f"no broadcast {broadcast_id}"
            raise UnknownBroadcast(msg)
        return found
