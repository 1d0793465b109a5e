"""Builders shared by the SQL persistence suites."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.db import ADMIN_URL, create_database, database_url, drop_database  # noqa: F401

from starshop.domain import Currency, Money, PayWith, Transaction, TxStatus, TxType, User

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
