from __future__ import annotations

from starshop.application.ports import UnitOfWork
from starshop.domain import User


class GetUser:
    """The user's stored profile, or ``None`` if they never registered (used for their language)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, user_id: int) -> User | None:
        async with self._uow as uow:
            return await uow.users.get(user_id)
