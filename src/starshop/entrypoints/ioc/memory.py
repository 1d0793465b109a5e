"""Persistence in this process's memory: the test kit and an embedder's tests (``Sections.database=None``)."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from starshop.adapters.inprocess import (
    InMemoryLedgerReader,
    InMemoryOutboxUnitOfWork,
    InMemoryStore,
    InMemoryTransactionReader,
    InMemoryUnitOfWork,
)
from starshop.application.ports import LedgerReader, OutboxUnitOfWork, TransactionReader, UnitOfWork
from starshop.entrypoints.ioc.probes import DatabaseHealth, OutboxBacklog


class MemoryStoreProvider(Provider):
    scope = Scope.APP
    store = provide(InMemoryStore)
    reader = provide(InMemoryTransactionReader, provides=TransactionReader)
    ledger = provide(InMemoryLedgerReader, provides=LedgerReader)

    @provide(scope=Scope.REQUEST)
    def uow(self, store: InMemoryStore) -> UnitOfWork:
        return InMemoryUnitOfWork(store)

    @provide(scope=Scope.REQUEST)
    def outbox_uow(self, store: InMemoryStore) -> OutboxUnitOfWork:
        return InMemoryOutboxUnitOfWork(store)

    @provide
    def health(self) -> DatabaseHealth:
        async def check() -> tuple[bool, str]:
            return True, "in memory"

        return DatabaseHealth(check)

    @provide
    def backlog(self, store: InMemoryStore) -> OutboxBacklog:
        async def measure() -> tuple[int, float, int]:
            return len(store.tables.outbox), 0.0, 0  # messages here carry no time; none is ever unreadable

        return OutboxBacklog(measure)
