"""Units of work on an ``AsyncEngine``: each ``async with`` is one pooled connection and one transaction.

Core connections, not ORM sessions: the repositories issue prebuilt Core statements only, and the session's
bookkeeping around each of them cost more CPU than the statement itself.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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

    @property
    def connection(self) -> AsyncConnection:
        if self._conn is None:
            msg = "the unit of work is not entered"
            raise RuntimeError(msg)
        return self._conn

    async def __aenter__(self) -> Self:
        if self._conn is not None:
            msg = "this unit of work is already entered"
            raise RuntimeError(msg)
        conn = await self._engine.connect()
        self._conn = conn
        self._bind(conn)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.rollback()
            finally:
                await conn.close()

    async def commit(self) -> None:
        await self._before_commit()
        await self.connection.commit()

    async def rollback(self) -> None:
        self._bind(self.connection)  # forget what was buffered for the commit
        await self.connection.rollback()

    async def _before_commit(self) -> None:
        return None

    @abc.abstractmethod
    def _bind(self, conn: AsyncConnection) -> None: ...


class SqlaUnitOfWork(_ConnectionScope):
    users: SqlaUserRepository
    balances: SqlaBalanceRepository
    transactions: SqlaTransactionRepository
    outbox: SqlaOutbox

    def _bind(self, conn: AsyncConnection) -> None:
        self.users = SqlaUserRepository(conn)
        self.balances = SqlaBalanceRepository(conn)
        self.transactions = SqlaTransactionRepository(conn)
        self.outbox = SqlaOutbox(conn)

    async def _before_commit(self) -> None:
        await self.outbox.flush()


class SqlaOutboxUnitOfWork(_ConnectionScope):
    outbox_reader: SqlaOutboxReader

    def _bind(self, conn: AsyncConnection) -> None:
        self.outbox_reader = SqlaOutboxReader(conn)
