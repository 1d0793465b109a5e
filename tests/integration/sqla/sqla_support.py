"""Builders shared by the SQL persistence suites."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from starshop.domain import Currency, Money, PayWith, Transaction, TxStatus, TxType, User

ADMIN_URL = os.environ.get("STARSHOP_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
USD = Currency.of("USD")
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def usd(value: str) -> Money:
    return Money.of(value, USD)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def user(user_id: int, **changes: Any) -> User:
    fields: dict[str, Any] = {"user_id": user_id, "username": f"user{user_id}", "created_at": T0, "updated_at": T0}
    fields.update(changes)
    return User(**fields)


def purchase(tx_id: str, user_id: int, **changes: Any) -> Transaction:
    fields: dict[str, Any] = {
        "id": tx_id,
        "user_id": user_id,
        "type": TxType.PURCHASE,
        "status": TxStatus.PENDING,
        "amount": usd("1.65"),
        "stars": 100,
        "recipient": "SomeBody",
        "pay_with": PayWith.BALANCE,
        "funded": True,
        "created_at": T0,
        "updated_at": T0,
    }
    fields.update(changes)
    return Transaction(**fields)


def recharge(tx_id: str, user_id: int, **changes: Any) -> Transaction:
    fields: dict[str, Any] = {
        "id": tx_id,
        "user_id": user_id,
        "type": TxType.RECHARGE,
        "status": TxStatus.PENDING,
        "amount": usd("10.00"),
        "invoice_amount": usd("10.00"),
        "order_id": tx_id,
        "expires_at": at(60),
        "created_at": T0,
        "updated_at": T0,
    }
    fields.update(changes)
    return Transaction(**fields)


@attrs.define
class Persistence:
    """One backend's implementations of every persistence port."""

    name: str
    uow: Callable[[], Any]
    outbox_uow: Callable[[], Any]
    reader: Any
    ledger: Any
    engine: AsyncEngine | None = None


def database_url(name: str) -> str:
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


async def _admin(*statements: str) -> None:
    engine = create_async_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def create_database(template: str | None = None) -> str:
    name = f"starshop_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


async def drop_database(name: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
