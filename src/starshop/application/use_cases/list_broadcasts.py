from __future__ import annotations

from starshop.application.ports import UnitOfWork
from starshop.domain.broadcast import Broadcast


class ListBroadcasts:
    """Broadcasts newest first, each with its progress."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, *, limit: int, offset: int) -> list[Broadcast]:
        async with self._uow as uow:
            return await uow.broadcasts.page(limit=limit, offset=offset)
