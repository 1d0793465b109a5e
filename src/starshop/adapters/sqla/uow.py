"""Units of work on an ``AsyncEngine``: each ``async with`` is one pooled connection and one transaction.

The connection, its transaction and how statements run on it are the ``Execution``'s (``execution.py``): over
the connection's asyncpg driver on Postgres, through SQLAlchemy's ``AsyncConnection`` on SQLite. A unit of work
binds the repositories to it, writes the kept outbox events before the commit, and forgets them on a rollback.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.sqla.execution import Execution, open_execution
from starshop.adapters.sqla.repositories import (
    SqlaAlerts,
    SqlaBalanceRepository,
    SqlaBroadcastRepository,
    SqlaOutbox,
    SqlaOutboxReader,
    SqlaPaymentCredits,
    SqlaPromoCodeRepository,
    SqlaReferralRepository,
    SqlaSettingsRepository,
    SqlaTransactionRepository,
    SqlaUserRepository,
    SqlaWaitingOrderRepository,
    SqlaWebhookLog,
)
from starshop.application.ports import Clock


class _ConnectionScope(abc.ABC):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
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
        self._x = await open_execution(self._engine)
        self._bind(self._x)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        x, self._x = self._x, None
        if x is not None:
            await x.close(failing=exc is not None)

    async def commit(self) -> None:
        await self._before_commit()
        await self.execution.commit()

    async def rollback(self) -> None:
        x = self.execution
        await x.rollback()
        self._bind(x)  # forget what was kept for the commit

    async def _before_commit(self) -> None:
        return None

    @abc.abstractmethod
    def _bind(self, x: Execution) -> None: ...


class SqlaUnitOfWork(_ConnectionScope):
    """``clock``: the application's ``Clock``; the times the adapter stamps itself (a balance's ``created_at`` and
    ``updated_at``, an outbox row's ``created_at``) are its."""

    users: SqlaUserRepository
    balances: SqlaBalanceRepository
    transactions: SqlaTransactionRepository
    outbox: SqlaOutbox
    promo_codes: SqlaPromoCodeRepository
    referrals: SqlaReferralRepository
    settings: SqlaSettingsRepository
    credits: SqlaPaymentCredits
    alerts: SqlaAlerts
    webhooks: SqlaWebhookLog
    broadcasts: SqlaBroadcastRepository
    waiting_orders: SqlaWaitingOrderRepository

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        super().__init__(engine)
        self._clock = clock

    def _bind(self, x: Execution) -> None:
        self.users = SqlaUserRepository(x)
        self.balances = SqlaBalanceRepository(x, self._clock)
        self.transactions = SqlaTransactionRepository(x)
        self.outbox = SqlaOutbox(x, self._clock)
        self.promo_codes = SqlaPromoCodeRepository(x)
        self.referrals = SqlaReferralRepository(x)
        self.settings = SqlaSettingsRepository(x)
        self.credits = SqlaPaymentCredits(x, self._clock)
        self.alerts = SqlaAlerts(x)
        self.webhooks = SqlaWebhookLog(x)
        self.broadcasts = SqlaBroadcastRepository(x)
        self.waiting_orders = SqlaWaitingOrderRepository(x)

    async def _before_commit(self) -> None:
        await self.outbox.flush()


class SqlaOutboxUnitOfWork(_ConnectionScope):
    outbox_reader: SqlaOutboxReader
    alerts: SqlaAlerts

    def _bind(self, x: Execution) -> None:
        self.outbox_reader = SqlaOutboxReader(x)
        self.alerts = SqlaAlerts(x)
