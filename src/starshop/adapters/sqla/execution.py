"""How the repositories' statements reach the database, inside one unit of work.

The statements are SQLAlchemy Core constructs, written once in ``queries.py`` for both databases. An
``Execution`` is one pooled connection and its transaction (``open_execution``): it runs the statements, commits,
rolls back and gives the connection back. Two ways of running them:

- ``SqlaExecution``: through SQLAlchemy's ``AsyncConnection`` (SQLite; any dialect).
- ``AsyncpgExecution``: on Postgres, each ``Query`` is compiled once by SQLAlchemy's asyncpg dialect (SQL text,
  parameter order, the column types' bind and result conversions) and then sent over the pooled connection's own
  asyncpg driver, in a transaction that asyncpg runs. Same SQL, same conversions, same pool; what it leaves out is
  SQLAlchemy's per-statement execution machinery, which cost about twice the time of the statement itself on a
  webhook (docs/performance.md).

Errors read the same on both: a violated constraint is SQLAlchemy's ``IntegrityError`` whose ``orig`` carries the
driver's ``sqlstate``.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import AsyncIterator, Callable, Hashable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

import attrs
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable, Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import greenlet_spawn

Row = Mapping[Any, Any]
_REQUIRED = object()  # a bind parameter the statement gives no value of its own
_Convert = Callable[[Any], Any] | None


@attrs.define(eq=False)
class Query:
    """A statement built once at import; the asyncpg path keeps its compiled forms here.

    ``plain_read``: a ``SELECT`` that neither writes nor locks. Under READ COMMITTED, the isolation of every unit
    of work, such a statement sees what it would see as the first statement of a transaction (each statement takes
    its own snapshot), so the asyncpg path runs it on its own until something writes or locks, and only then sends
    ``BEGIN``: a balance or idempotency-key lookup is one round trip instead of three.

    ``standalone``: a statement that is a whole transaction by itself (it checks what it relies on and writes
    everything the unit of work needs, or nothing). As a unit of work's first write it runs without ``BEGIN``, so it
    commits as it runs; the caller writes nothing after it that must commit with it.
    """

    stmt: Executable
    compiled: dict[Hashable, _Compiled] = attrs.field(factory=dict, repr=False)
    standalone: bool = attrs.field(default=False, kw_only=True)
    plain_read: bool = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.plain_read = isinstance(self.stmt, Select) and self.stmt._for_update_arg is None


@attrs.frozen
class _Compiled:
    sql: str
    names: tuple[str, ...]  # bind parameter names in ``$1, $2, ...`` order
    defaults: tuple[Any, ...]  # the value a name takes when the call leaves it out (literals in the statement)
    binds: tuple[_Convert, ...]
    results: tuple[_Convert, ...]  # by result column position

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        values = []
        for name, default, convert in zip(self.names, self.defaults, self.binds, strict=True):
            value = params.get(name, default)
            if value is _REQUIRED:
                msg = f"a value is required for bind parameter {name!r}"
                raise ValueError(msg)
            values.append(convert(value) if convert is not None and value is not None else value)
        return values

    def row(self, record: Any) -> dict[str, Any]:
        return {
            key: (convert(value) if convert is not None and value is not None else value)
            for (key, value), convert in zip(record.items(), self.results, strict=True)
        }


def is_unique_violation(exc: IntegrityError) -> bool:
    """A UNIQUE constraint refused the statement: ``sqlstate`` 23505 on Postgres (both paths), SQLite's text."""
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc.orig)


class Execution(abc.ABC):
    """What the repositories need (rows as mappings, positional values, affected counts, savepoints) and what the
    unit of work needs (commit, rollback, and the connection given back)."""

    dialect_name: str

    @abc.abstractmethod
    async def commit(self) -> None:
        """Commit; the next statement starts a fresh transaction."""

    @abc.abstractmethod
    async def rollback(self) -> None: ...

    @abc.abstractmethod
    async def close(self, *, failing: bool) -> None:
        """Roll back what was not committed and give the connection back to the pool. ``failing``: the caller is
        already raising, and a rollback that fails too must not replace its error."""

    @abc.abstractmethod
    async def rows(self, query: Query, params: Mapping[str, Any] | None = None) -> Sequence[Row]: ...

    @abc.abstractmethod
    async def values(self, query: Query, params: Mapping[str, Any] | None = None) -> Sequence[Sequence[Any]]: ...

    @abc.abstractmethod
    async def run(self, query: Query, params: Mapping[str, Any] | None = None) -> int:
        """Execute without reading rows; returns how many rows it changed."""

    @abc.abstractmethod
    async def run_many(self, query: Query, params: Sequence[Mapping[str, Any]]) -> None: ...

    @abc.abstractmethod
    def savepoint(self) -> AbstractAsyncContextManager[None]: ...

    async def first(self, query: Query, params: Mapping[str, Any] | None = None) -> Row | None:
        found = await self.rows(query, params)
        return found[0] if found else None


async def open_execution(engine: AsyncEngine) -> Execution:
    """One connection from the engine's pool: its asyncpg driver on Postgres, SQLAlchemy's connection otherwise."""
    if engine.dialect.driver == "asyncpg":
        # Straight from the pool (a third of the time ``engine.connect()`` takes): nothing here needs
        # SQLAlchemy's Connection, and the pool still resets, replaces and counts the connection.
        return AsyncpgExecution(await engine.raw_connection(), engine.dialect)
    return SqlaExecution(await engine.connect())


class SqlaExecution(Execution):
    def __init__(self, conn: AsyncConnection) -> None:
        self._c = conn
        self.dialect_name = conn.dialect.name

    async def commit(self) -> None:
        await self._c.commit()

    async def rollback(self) -> None:
        await self._c.rollback()

    async def close(self, *, failing: bool) -> None:
        # ``failing`` changes nothing here: SQLAlchemy's connection discards itself when its rollback fails.
        try:
            await self._c.rollback()
        finally:
            await self._c.close()

    async def rows(self, query: Query, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
        return list((await self._c.execute(query.stmt, params)).mappings())

    async def values(self, query: Query, params: Mapping[str, Any] | None = None) -> Sequence[Sequence[Any]]:
        return list((await self._c.execute(query.stmt, params)).all())

    async def run(self, query: Query, params: Mapping[str, Any] | None = None) -> int:
        return int((await self._c.execute(query.stmt, params)).rowcount)

    async def run_many(self, query: Query, params: Sequence[Mapping[str, Any]]) -> None:
        await self._c.execute(query.stmt, list(params))

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        async with self._c.begin_nested():
            yield


class AsyncpgExecution(Execution):
    """One transaction on an asyncpg connection, begun by its first statement that writes or locks.

    ``raw``: the pool's own checkout (``engine.raw_connection()``), whose driver connection asyncpg runs.
    """

    dialect_name = "postgresql"

    def __init__(self, raw: Any, dialect: Dialect) -> None:
        self._raw = raw
        self._driver = raw.driver_connection
        self._dialect = dialect
        self._tx: Any = None

    @property
    def in_transaction(self) -> bool:
        return self._tx is not None

    async def commit(self) -> None:
        tx, self._tx = self._tx, None
        if tx is not None:
            await tx.commit()

    async def rollback(self) -> None:
        tx, self._tx = self._tx, None
        if tx is not None:
            await tx.rollback()

    async def close(self, *, failing: bool) -> None:
        try:
            await self.rollback()
        except BaseException:  # failed or cancelled: a connection in an unknown state is given to nobody
            await greenlet_spawn(self._raw.invalidate)
            if not failing:
                raise
        finally:
            await greenlet_spawn(self._raw.close)

    async def rows(self, query: Query, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
        compiled, args = await self._prepare(query, params)
        records = await self._call(compiled, self._driver.fetch, compiled.sql, *args)
        return [compiled.row(record) for record in records]

    async def values(self, query: Query, params: Mapping[str, Any] | None = None) -> Sequence[Sequence[Any]]:
        return [tuple(row.values()) for row in await self.rows(query, params)]

    async def run(self, query: Query, params: Mapping[str, Any] | None = None) -> int:
        compiled, args = await self._prepare(query, params)
        status = await self._call(compiled, self._driver.execute, compiled.sql, *args)
        count = str(status).rsplit(" ", 1)[-1]
        return int(count) if count.isdigit() else 0

    async def run_many(self, query: Query, params: Sequence[Mapping[str, Any]]) -> None:
        if not params:
            return
        compiled = self._compile(query, params[0])
        await self._begin()
        batch = [compiled.arguments(one) for one in params]
        await self._call(compiled, self._driver.executemany, compiled.sql, batch)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        await self._begin()
        async with self._driver.transaction():  # nested in ours: a SAVEPOINT
            yield

    async def _begin(self) -> None:
        if self._tx is None:
            tx = self._driver.transaction()
            await tx.start()
            self._tx = tx

    async def _prepare(self, query: Query, params: Mapping[str, Any] | None) -> tuple[_Compiled, list[Any]]:
        given = params or {}
        compiled = self._compile(query, given)
        if not query.plain_read and not (query.standalone and self._tx is None):
            await self._begin()
        return compiled, compiled.arguments(given)

    def _compile(self, query: Query, params: Mapping[str, Any]) -> _Compiled:
        # INSERT and UPDATE compile to the columns they are given, so the key includes them.
        key = (id(self._dialect), frozenset(params))
        found = query.compiled.get(key)
        if found is None:
            found = query.compiled[key] = _compile(query.stmt, self._dialect, list(params))
        return found

    async def _call(self, compiled: _Compiled, method: Callable[..., Any], *args: Any) -> Any:
        import asyncpg

        try:
            return await method(*args)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(compiled.sql, None, exc) from exc


def _compile(stmt: Executable, dialect: Dialect, column_keys: list[str]) -> _Compiled:
    assert isinstance(stmt, ClauseElement)
    compiled = cast(SQLCompiler, stmt.compile(dialect=dialect, column_keys=column_keys))
    if "POSTCOMPILE" in compiled.string:
        msg = f"an expanding parameter cannot be compiled once: {compiled.string}"
        raise ValueError(msg)
    names = tuple(compiled.positiontup or ())
    defaults = tuple(_REQUIRED if compiled.binds[name].required else compiled.binds[name].value for name in names)
    binds = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
    columns = list(getattr(stmt, "exported_columns", ()))
    results = tuple(_result_conversion(column.type, dialect) for column in columns)
    return _Compiled(sql=compiled.string, names=names, defaults=defaults, binds=binds, results=results)


def _result_conversion(column_type: Any, dialect: Dialect) -> _Convert:
    """asyncpg decodes every column type we use (numeric, timestamptz, json); our own types add their step."""
    if isinstance(column_type, TypeDecorator):
        return functools.partial(_on_result, column_type, dialect)
    return None


def _on_result(column_type: TypeDecorator[Any], dialect: Dialect, value: Any) -> Any:
    return column_type.process_result_value(value, dialect)
