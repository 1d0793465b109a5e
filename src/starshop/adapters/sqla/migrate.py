"""Alembic, driven from code: ``await upgrade(url)``, ``await downgrade(url, "base")``, ``current_revision(url)``,
and ``check_database(engine)``: is the database reachable and at the code's head.

The Alembic configuration is built here, so no ``alembic.ini`` is needed; ``alembic -c`` with a file that sets
``script_location = starshop.adapters.sqla:migrations`` and ``sqlalchemy.url`` works as well.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.sqla.engine import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseNotReady(RuntimeError):
    """The database cannot be reached, or its schema is not at the code's migration head."""


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@functools.cache
def head_revision() -> str | None:
    """The code's migration head (the scripts ship with the package, so it is read once per process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _run(url: str, action: str, revision: str) -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:

            def run(sync_conn: Connection) -> None:
                config = alembic_config(url)
                config.attributes["connection"] = sync_conn
                getattr(command, action)(config, revision)

            await conn.run_sync(run)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    await _run(url, "upgrade", revision)


async def downgrade(url: str, revision: str = "base") -> None:
    await _run(url, "downgrade", revision)


async def current_revision(url: str) -> str | None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()


async def check_database(engine: AsyncEngine) -> None:
    """Raise ``DatabaseNotReady`` with a one-line reason unless the database answers and is migrated to head."""
    where = engine.url.render_as_string(hide_password=True)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            has_table = await conn.run_sync(lambda c: c.dialect.has_table(c, "alembic_version"))
            current = None
            if has_table:
                current = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except Exception as exc:  # any driver or network failure means "not ready"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"database {where} is unreachable: {reason}"
        raise DatabaseNotReady(msg) from exc
    head = head_revision()
    if current != head:
        msg = f"database {where} is at migration {current or 'none'}, expected {head}: run `starshop migrate`"
        raise DatabaseNotReady(msg)
