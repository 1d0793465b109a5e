"""SQLAlchemy on Postgres or SQLite; history and statistics may read from a replica."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, from_context, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.sqla.engine import create_engine
from starshop.adapters.sqla.migrate import DatabaseNotReady, check_database
from starshop.adapters.sqla.readers import SqlaLedgerReader, SqlaTransactionReader, outbox_backlog
from starshop.adapters.sqla.uow import SqlaOutboxUnitOfWork, SqlaUnitOfWork
from starshop.application.ports import Clock, LedgerReader, OutboxUnitOfWork, TransactionReader, UnitOfWork
from starshop.entrypoints.ioc.probes import DatabaseHealth, OutboxBacklog
from starshop.entrypoints.settings import DatabaseSettings


def _engine(url: str, settings: DatabaseSettings) -> AsyncEngine:
    return create_engine(
        url, pool_size=settings.pool_size, max_overflow=0, statement_timeout_ms=settings.statement_timeout_ms
    )


class DatabaseProvider(Provider):
    scope = Scope.APP
    settings = from_context(provides=DatabaseSettings, scope=Scope.APP)

    @provide
    async def engine(self, settings: DatabaseSettings) -> AsyncIterator[AsyncEngine]:
        engine = _engine(settings.url, settings)
        yield engine
        await engine.dispose()

    @provide
    async def reader(self, primary: AsyncEngine, settings: DatabaseSettings) -> AsyncIterator[TransactionReader]:
        if settings.replica_url is None:
            yield SqlaTransactionReader(primary)
            return
        engine = _engine(settings.replica_url, settings)
        yield SqlaTransactionReader(engine)
        await engine.dispose()

    @provide
    def ledger(self, primary: AsyncEngine) -> LedgerReader:
        return SqlaLedgerReader(primary)

    @provide(scope=Scope.REQUEST)
    def uow(self, primary: AsyncEngine, clock: Clock) -> UnitOfWork:
        return SqlaUnitOfWork(primary, clock)

    @provide(scope=Scope.REQUEST)
    def outbox_uow(self, primary: AsyncEngine) -> OutboxUnitOfWork:
        return SqlaOutboxUnitOfWork(primary)

    @provide
    def health(self, engine: AsyncEngine) -> DatabaseHealth:
        async def check() -> tuple[bool, str]:
            try:
                await check_database(engine)
            except DatabaseNotReady as exc:
                return False, str(exc)
            return True, "reachable, migrations at head"

        return DatabaseHealth(check)

    @provide
    def backlog(self, engine: AsyncEngine, clock: Clock) -> OutboxBacklog:
        async def measure() -> tuple[int, float, int]:
            return await outbox_backlog(engine, now=clock.now())

        return OutboxBacklog(measure)
