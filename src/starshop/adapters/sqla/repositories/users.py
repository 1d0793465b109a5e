"""Telegram users: read one, and insert or update a profile (keeping its first ``created_at``)."""

from __future__ import annotations

from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution
from starshop.adapters.sqla.rows import user_from_row, user_to_row
from starshop.domain import User


class SqlaUserRepository:
    def __init__(self, x: Execution) -> None:
        self._x = x

    async def get(self, user_id: int) -> User | None:
        row = await self._x.first(q.USER, {"user_id": user_id})
        return user_from_row(row) if row else None

    async def with_username(self, username: str, *, limit: int) -> list[User]:
        rows = await self._x.rows(q.USERS_NAMED, {"username": username.lower(), "limit": limit})
        return [user_from_row(row) for row in rows]

    async def upsert(self, user: User) -> User:
        [row] = await self._x.rows(q.UPSERT_USER[self._x.dialect_name], user_to_row(user))
        return user_from_row(row)
