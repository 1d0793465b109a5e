"""Units of work on an ``AsyncEngine``: each ``async with`` is one pooled connection and one transaction.

On Postgres the repositories' statements go over the connection's asyncpg driver (``AsyncpgExecution``); on
SQLite through SQLAlchemy's ``AsyncConnection``. Either way the connection comes from, and goes back to, the
engine's pool.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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
        self._conn: AsyncConnection | None = None
        self._x: Execution | None = None

    @property
    def execution(self) -> Execution:
        if self._x is None:
            msg = "the unit of work is not entered"
            raise RuntimeError(msg)
        return self._x

    async def __aenter__(self) -> Self:
        if self._conn is not None:
            msg = "this unit of work is already entered"
            raise RuntimeError(msg)
        conn = await self._engine.connect()
        try:
            if conn.dialect.driver == "asyncpg":
                raw = await conn.get_raw_connection()
                self._x = AsyncpgExecution(raw.driver_connection, conn.dialect)
            else:
                self._x = SqlaExecution(conn)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self._bind(self._x)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, x = self._conn, self._x
        self._conn = self._x = None
        if conn is None:
            return
        try:
            await self._rollback(conn, x)
        except Exception:
            await conn.invalidate()  # a connection that cannot roll back is not given to anyone else
            if exc is None:
                raise
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
        assert self._conn is not None
        await self._rollback(self._conn, x)
        self._bind(x)  # forget what was kept for the commit

    @staticmethod
    async def _rollback(conn: AsyncConnection, x: Execution | None) -> None:
        if isinstance(x, AsyncpgExecution):
            await x.rollback()
        else:
            await conn.rollback()

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
