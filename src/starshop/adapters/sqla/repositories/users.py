"""Telegram users: read one, insert or update a profile (keeping its first ``created_at`` and the chosen language),
and set the chosen language."""

from __future__ import annotations

from datetime import datetime

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

    async def set_language(self, user_id: int, language: str, at: datetime) -> bool:
        values = {"u_user_id": user_id, "language": language, "updated_at": at}
        return await self._x.run(q.SET_LANGUAGE, values) > 0
