"""An ``Execution`` is one pooled connection and its transaction: it commits, rolls back and gives the connection
back by itself, on SQLite and on Postgres alike (the unit of work only asks it to)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.sqla.execution import Query, open_execution
from starshop.adapters.sqla.tables import users

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
_ADD = Query(insert(users))
_GET = Query(select(users.c.user_id).where(users.c.user_id == bindparam("user_id")))


def _user(user_id: int) -> dict[str, object]:
    return {"user_id": user_id, "is_premium": False, "created_at": NOW, "updated_at": NOW}


async def _stored(engine: AsyncEngine, user_id: int) -> bool:
    x = await open_execution(engine)
    try:
        return await x.first(_GET, {"user_id": user_id}) is not None
    finally:
        await x.close(failing=False)


async def test_an_execution_rolls_back_commits_and_gives_its_connection_back(sql_engine: AsyncEngine) -> None:
    x = await open_execution(sql_engine)
    try:
        await x.run(_ADD, _user(1))
        await x.rollback()
        await x.run(_ADD, _user(2))
        await x.commit()
        await x.run(_ADD, _user(3))  # a fresh transaction after the commit, never committed
    finally:
        await x.close(failing=False)
    assert sql_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert [await _stored(sql_engine, user_id) for user_id in (1, 2, 3)] == [False, True, False]
