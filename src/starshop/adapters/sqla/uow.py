"""Units of work on an ``async_sessionmaker``: each ``async with`` is one session and one transaction."""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from starshop.adapters.sqla.repositories import (
    SqlaBalanceRepository,
    SqlaOutbox,
    SqlaOutboxReader,
    SqlaTransactionRepository,
    SqlaUserRepository,
)


class _SessionScope(abc.ABC):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            msg = "the unit of work is not entered"
            raise RuntimeError(msg)
        return self._session

    async def __aenter__(self) -> Self:
        if self._session is not None:
            msg = "this unit of work is already entered"
            raise RuntimeError(msg)
        self._session = self._factory()
        self._bind(self._session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self._session, None
        if session is not None:
            try:
                await session.rollback()
            finally:
                await session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()

    @abc.abstractmethod
    def _bind(self, session: AsyncSession) -> None: ...


class SqlaUnitOfWork(_SessionScope):
    users: SqlaUserRepository
    balances: SqlaBalanceRepository
    transactions: SqlaTransactionRepository
    outbox: SqlaOutbox

    def _bind(self, session: AsyncSession) -> None:
        self.users = SqlaUserRepository(session)
        self.balances = SqlaBalanceRepository(session)
        self.transactions = SqlaTransactionRepository(session)
        self.outbox = SqlaOutbox(session)


class SqlaOutboxUnitOfWork(_SessionScope):
    outbox_reader: SqlaOutboxReader

    def _bind(self, session: AsyncSession) -> None:
        self.outbox_reader = SqlaOutboxReader(session)
