from __future__ import annotations

from starshop.application.errors import UnknownUser
from starshop.application.ports import UnitOfWork
from starshop.domain import Balance


class GetBalance:
    """The user's balance, read from the primary store (never a cache)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, user_id: int) -> Balance:
        async with self._uow as uow:
            balance = await uow.balances.get(user_id)
        if balance is None:
            msg = f"user {user_id} is not registered"
            raise UnknownUser(msg)
        return balance
