"""The transaction journal: inserts and updates of whole rows, the locks of the one lock order, the sweeps' reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution, Query, is_unique_violation
from starshop.adapters.sqla.rows import tx_from_row, tx_to_row
from starshop.application.errors import DuplicateTransaction, UnknownUser
from starshop.application.ports import ClaimResult
from starshop.domain import DailyUsage, Transaction


class SqlaTransactionRepository:
    def __init__(self, x: Execution) -> None:
        self._x = x

    async def _one(self, query: Query, params: dict[str, Any]) -> Transaction | None:
        row = await self._x.first(query, params)
        return tx_from_row(row) if row else None

    async def _many(self, query: Query, params: dict[str, Any]) -> list[Transaction]:
        return [tx_from_row(row) for row in await self._x.rows(query, params)]

    async def add(self, tx: Transaction) -> None:
        try:
            async with self._x.savepoint():
                await self._x.run(q.INSERT_TX, tx_to_row(tx))
        except IntegrityError as exc:
            if is_unique_violation(exc):
                msg = f"transaction {tx.id} clashes with a stored one (id, idempotency key or order id)"
                raise DuplicateTransaction(msg) from exc
            msg = f"user {tx.user_id} is not registered"
            raise UnknownUser(msg) from exc

    async def get(self, tx_id: str, *, lock: bool = False) -> Transaction | None:
        if lock and self._x.dialect_name != "sqlite":  # SQLite: BEGIN IMMEDIATE already serialises writers
            await self._x.run(q.LOCK_OWNER_BY_ID, {"tx_id": tx_id})
        return await self._one(q.TX_BY_ID[lock], {"tx_id": tx_id})

    async def by_order_id(self, order_id: str, *, lock: bool = False) -> Transaction | None:
        if lock and self._x.dialect_name != "sqlite":
            await self._x.run(q.LOCK_OWNER_BY_ORDER_ID, {"order_id": order_id})
        return await self._one(q.TX_BY_ORDER_ID[lock], {"order_id": order_id})

    async def by_idempotency_key(self, user_id: int, key: str) -> Transaction | None:
        return await self._one(q.TX_BY_IDEMPOTENCY_KEY, {"user_id": user_id, "key": key})

    async def update(self, tx: Transaction) -> None:
        values = tx_to_row(tx)
        values["tx_id"] = values.pop("id")
        if await self._x.run(q.UPDATE_TX, values) == 0:
            msg = f"no transaction {tx.id} to update"
            raise KeyError(msg)

    async def invoice_of(self, purchase_id: str) -> Transaction | None:
        return await self._one(q.INVOICE_OF, {"purchase_id": purchase_id})

    async def claim_delivery(self, tx_id: str, at: datetime) -> ClaimResult:
        try:
            async with self._x.savepoint():
                changed = await self._x.run(q.CLAIM_DELIVERY, {"tx_id": tx_id, "at": at})
        except IntegrityError as exc:
            if is_unique_violation(exc):
                return ClaimResult.BUSY
            raise
        return ClaimResult.CLAIMED if changed else ClaimResult.NOT_CLAIMABLE

    async def in_flight_for(
        self, recipient: str, stars: int | None, *, months: int | None = None
    ) -> Transaction | None:
        params = {"recipient": recipient.lower(), "stars": stars, "months": months}
        return await self._one(q.IN_FLIGHT_FOR, params)

    async def receipts_for(
        self, recipient: str, stars: int | None, *, since: datetime, months: int | None = None
    ) -> frozenset[str]:
        params = {"recipient": recipient.lower(), "stars": stars, "months": months, "since": since}
        return frozenset(row[0] for row in await self._x.values(q.RECEIPTS_FOR, params))

    async def daily_usage(self, user_id: int, since: datetime) -> DailyUsage:
        await self._x.run(q.LOCK_BALANCE, {"user_id": user_id})
        [(count, stars)] = await self._x.values(q.DAILY_USAGE, {"user_id": user_id, "since": since})
        return DailyUsage(purchases=int(count), stars=int(stars))

    async def open_recharges(
        self, *, expiring_before: datetime, checked_before: datetime, limit: int
    ) -> list[Transaction]:
        params = {"expiring_before": expiring_before, "checked_before": checked_before, "limit": limit}
        return await self._many(q.OPEN_RECHARGES, params)

    async def queued_purchases(self, *, updated_before: datetime, limit: int) -> list[Transaction]:
        return await self._many(q.QUEUED_PURCHASES, {"updated_before": updated_before, "limit": limit})

    async def in_flight_purchases(self, *, started_before: datetime, limit: int) -> list[Transaction]:
        return await self._many(q.IN_FLIGHT_PURCHASES, {"started_before": started_before, "limit": limit})
