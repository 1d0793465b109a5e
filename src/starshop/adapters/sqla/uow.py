"""Units of work on an ``AsyncEngine``: each ``async with`` is one pooled connection and one transaction.

On Postgres the repositories' statements go over the connection's asyncpg driver (``AsyncpgExecution``); on
SQLite through SQLAlchemy's ``AsyncConnection``. Either way the connection comes from, and goes back to, the
engine's pool.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

from starshop.adapters.sqla.execution import AsyncpgExecution, Execution, SqlaExecution
from starshop.adapters.sqla.repositories import (
    SqlaBalanceRepository,
    SqlaOutbox,
    SqlaOutboxReader,
    SqlaTransactionRepository,
    SqlaUserRepository,
)


class _ConnectionScope(abc.ABC):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._asyncpg = engine.dialect.driver == "asyncpg"
        self._conn: AsyncConnection | None = None  # SQLite: SQLAlchemy's connection
        self._raw: Any = None  # Postgres: the pool's own checkout, whose driver connection asyncpg runs
        self._x: Execution | None = None

    @property
    def execution(self) -> Execution:
        if self._x is None:
            msg = "the unit of work is not entered"
            raise RuntimeError(msg)
        return self._x

    async def __aenter__(self) -> Self:
        if self._x is not None:
            msg = "this unit of work is already entered"
            raise RuntimeError(msg)
        if self._asyncpg:
            # Straight from the pool (a third of the time ``engine.connect()`` takes): nothing here needs
            # SQLAlchemy's Connection, and the pool still resets, replaces and counts the connection.
            self._raw = await self._engine.raw_connection()
            self._x = AsyncpgExecution(self._raw.driver_connection, self._engine.dialect)
        else:
            self._conn = await self._engine.connect()
            self._x = SqlaExecution(self._conn)
        self._bind(self._x)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, raw, x = self._conn, self._raw, self._x
        self._conn = self._raw = self._x = None
        if isinstance(x, AsyncpgExecution):
            try:
                await x.rollback()
            except BaseException:  # failed or cancelled: a connection in an unknown state is given to nobody
                await greenlet_spawn(raw.invalidate)
                if exc is None:
                    raise
            finally:
                await greenlet_spawn(raw.close)
        elif conn is not None:
            try:
                await conn.rollback()
            finally:
                await conn.close()

    async def commit(self) -> None:
        await self._before_commit()
        x = self.execution
        if isinstance(x, AsyncpgExecution):
            await x.commit()
        else:
            assert self._conn is not None
            await self._conn.commit()

    async def rollback(self) -> None:
        x = self.execution
        if isinstance(x, AsyncpgExecution):
            await x.rollback()
        else:
            assert self._conn is not None
            await self._conn.rollback()
        self._bind(x)  # forget what was kept for the commit

    async def _before_commit(self) -> None:
        return None

    @abc.abstractmethod
    def _bind(self, x: Execution) -> None: ...


class SqlaUnitOfWork(_ConnectionScope):
    users: SqlaUserRepository
    balances: SqlaBalanceRepository
    transactions: SqlaTransactionRepository
    outbox: SqlaOutbox

    def _bind(self, x: Execution) -> None:
        self.users = SqlaUserRepository(x)
        self.balances = SqlaBalanceRepository(x)
        self.transactions = SqlaTransactionRepository(x)
        self.outbox = SqlaOutbox(x)

    async def _before_commit(self) -> None:
        await self.outbox.flush()


class SqlaOutboxUnitOfWork(_ConnectionScope):
    outbox_reader: SqlaOutboxReader

    def _bind(self, x: Execution) -> None:
        self.outbox_reader = SqlaOutboxReader(x)
