"""SQLAlchemy 2 async persistence: Postgres through asyncpg, SQLite through aiosqlite."""

from starshop.adapters.sqla.engine import create_engine
from starshop.adapters.sqla.migrate import DatabaseNotReady, check_database
from starshop.adapters.sqla.readers import SqlaLedgerReader, SqlaTransactionReader
from starshop.adapters.sqla.repositories import (
    SqlaBalanceRepository,
    SqlaOutbox,
    SqlaOutboxReader,
    SqlaTransactionRepository,
    SqlaUserRepository,
)
from starshop.adapters.sqla.uow import SqlaOutboxUnitOfWork, SqlaUnitOfWork

__all__ = [
    "DatabaseNotReady",
    "SqlaBalanceRepository",
    "SqlaLedgerReader",
    "SqlaOutbox",
    "SqlaOutboxReader",
    "SqlaOutboxUnitOfWork",
    "SqlaTransactionReader",
    "SqlaTransactionRepository",
    "SqlaUnitOfWork",
    "SqlaUserRepository",
    "check_database",
    "create_engine",
]
