"""Async engines for Postgres (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from starshop.adapters.sqla.types import SQLITE_MONEY_FUNCTIONS


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 20,
    pool_timeout_s: float = 30.0,
    statement_timeout_ms: int | None = 30_000,
    sqlite_busy_timeout_ms: int = 10_000,
    echo: bool = False,
) -> AsyncEngine:
    """``postgresql+asyncpg://...`` or ``sqlite+aiosqlite:///path``; anything else is refused.

    Behind a pooler in transaction mode (pgbouncer), a server connection serves many clients one transaction at a
    time, so no session may keep prepared statements: ``?prepared_statement_cache_size=0`` on the URL (SQLAlchemy's
    own switch for it) turns asyncpg's statement cache off as well, and the statement timeout, which pgbouncer
    refuses as a start-up parameter, is then left to the database role (``ALTER ROLE ... SET statement_timeout``,
    deploy/pgbouncer/).
    """
    parsed = make_url(url)
    if parsed.drivername == "postgresql+asyncpg":
        pooled = parsed.query.get("prepared_statement_cache_size") == "0"
        settings: dict[str, str] = {"timezone": "UTC"}
        if statement_timeout_ms and not pooled:
            settings["statement_timeout"] = str(statement_timeout_ms)
        connect_args: dict[str, Any] = {"server_settings": settings}
        if pooled:
            # asyncpg keeps no statements; SQLAlchemy's own path still prepares one per statement, under a name no
            # other client of the same server connection can have chosen.
            connect_args["statement_cache_size"] = 0
            connect_args["prepared_statement_name_func"] = _unique_statement_name
        engine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout_s,
            echo=echo,
            connect_args=connect_args,
        )
        _drop_closed_connections(engine)
        return engine
    if parsed.drivername == "sqlite+aiosqlite":
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": sqlite_busy_timeout_ms / 1000})
        _tune_sqlite(engine, sqlite_busy_timeout_ms)
        return engine
    msg = f"unsupported database URL scheme {parsed.drivername!r}: use postgresql+asyncpg:// or sqlite+aiosqlite:///"
    raise ValueError(msg)


def _unique_statement_name() -> str:
    return f"__starshop_{uuid.uuid4().hex}__"


def _tune_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, a busy timeout, ``BEGIN IMMEDIATE`` so writers queue up instead of failing, and the exact
    money functions that SQLite statements and CHECK constraints call (``types.SQLITE_MONEY_FUNCTIONS``)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        for name, (arity, function) in SQLITE_MONEY_FUNCTIONS.items():
            dbapi_connection.create_function(name, arity, function, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _drop_closed_connections(engine: AsyncEngine) -> None:
    """Replace a pooled connection that the server has closed, without a round trip to find out.

    A restarting Postgres terminates every session, and asyncpg marks the connection closed as soon as the event
    loop reads that. SQLAlchemy's ``pool_pre_ping`` would also notice, at the price of three round trips (``BEGIN``,
    a ping, ``ROLLBACK``) on every checkout: a third of a webhook's. A connection that dies without a word (a
    network cut) fails its first statement instead; the unit of work's rollback fails too, so it invalidates the
    connection and the caller gets an error. A connection still inside a transaction (a unit of work interrupted
    before it could roll back) is replaced here as well.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        driver = record.driver_connection  # the asyncpg connection
        if driver is not None and (driver.is_closed() or driver.is_in_transaction()):
            # closed by the server, or left inside a transaction by a unit of work that was interrupted
            raise exc.DisconnectionError("this connection cannot be reused")
