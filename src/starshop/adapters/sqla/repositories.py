"""Repositories on one ``AsyncConnection``: every balance change is a single conditional statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from starshop.adapters.events_codec import event_from_dict, event_to_dict
from starshop.adapters.sqla.rows import balance_from_row, tx_from_row, tx_to_row, user_from_row, user_to_row
from starshop.adapters.sqla.tables import balances, outbox, transactions, users
from starshop.adapters.sqla.types import Amount, UtcDateTime
from starshop.application.errors import DuplicateTransaction, UnknownUser
from starshop.application.ports import ClaimResult, OutboxMessage
from starshop.domain import Balance, Currency, DailyUsage, Money, Transaction, TxStatus, TxType, User
from starshop.domain.events import Event

_RETRIES = 5


def _dialect_insert(conn: AsyncConnection, table: Any) -> Any:
    name = conn.dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


def is_unique_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    for candidate in (orig, getattr(orig, "__cause__", None)):
        if getattr(candidate, "sqlstate", None) == "23505" or getattr(candidate, "pgcode", None) == "23505":
            return True
    return "UNIQUE constraint failed" in str(orig)


def _now() -> datetime:
    return datetime.now(UTC)


class SqlaUserRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._s = conn

    async def get(self, user_id: int) -> User | None:
        row = (await self._s.execute(select(users).where(users.c.user_id == user_id))).mappings().first()
        return user_from_row(row) if row else None

    async def upsert(self, user: User) -> User:
        values = user_to_row(user)
        stmt = _dialect_insert(self._s, users).values(**values)
        profile = {k: stmt.excluded[k] for k in values if k not in ("user_id", "created_at")}
        stmt = stmt.on_conflict_do_update(index_elements=[users.c.user_id], set_=profile).returning(*users.c)
        row = (await self._s.execute(stmt)).mappings().one()
        return user_from_row(row)


class SqlaBalanceRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._s = conn

    async def get(self, user_id: int) -> Balance | None:
        row = (await self._s.execute(select(balances).where(balances.c.user_id == user_id))).mappings().first()
        return balance_from_row(user_id, row) if row else None

    async def ensure(self, user_id: int, currency: Currency) -> Balance:
        now = _now()
        stmt = (
            _dialect_insert(self._s, balances)
            .values(user_id=user_id, amount=0, held=0, currency=currency.code, created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=[balances.c.user_id])
        )
        await self._s.execute(stmt)
        found = await self.get(user_id)
        assert found is not None
        return found

    async def credit(self, user_id: int, amount: Money) -> Balance:
        return await self._change(user_id, "credit", amount)

    async def debit(self, user_id: int, amount: Money) -> Balance:
        return await self._change(user_id, "debit", amount)

    async def hold(self, user_id: int, amount: Money) -> Balance:
        return await self._change(user_id, "hold", amount)

    async def capture(self, user_id: int, amount: Money) -> Balance:
        return await self._change(user_id, "capture", amount)

    async def release(self, user_id: int, amount: Money) -> Balance:
        return await self._change(user_id, "release", amount)

    async def _change(self, user_id: int, op: str, amount: Money) -> Balance:
        """One conditional UPDATE; when it matches nothing, the domain explains why on a fresh read."""
        for _ in range(_RETRIES):
            if amount.is_positive:
                params = {"p": amount.amount, "b_user": user_id, "b_currency": amount.currency.code, "b_now": _now()}
                row = (await self._s.execute(_BALANCE_CHANGES[op], params)).mappings().first()
                if row is not None:
                    return balance_from_row(user_id, row)
            current = await self.get(user_id)
            if current is None:
                msg = f"user {user_id} has no balance"
                raise UnknownUser(msg)
            getattr(current, op)(amount)  # raises the domain's own error for what the UPDATE refused
            if not amount.is_positive:  # pragma: no cover - the domain refuses these
                break
        msg = f"balance of user {user_id} kept changing under {op}"
        raise RuntimeError(msg)


# The balance changes and the hot journal statements are built once, with their values bound at execution:
# building a statement anew on every call cost more CPU than SQLAlchemy's cached compilation of it.
def _balance_change(changes: dict[str, ColumnElement[Any]], condition: ColumnElement[bool] | None) -> Any:
    where = [balances.c.user_id == bindparam("b_user"), balances.c.currency == bindparam("b_currency")]
    if condition is not None:
        where.append(condition)
    return (
        update(balances)
        .where(*where)
        .values(**changes, updated_at=bindparam("b_now", type_=UtcDateTime()))
        .returning(balances.c.amount, balances.c.held, balances.c.currency)
    )


_P = bindparam("p", type_=Amount())
_AVAILABLE = balances.c.amount - balances.c.held >= _P
_BALANCE_CHANGES = {
    "credit": _balance_change({"amount": balances.c.amount + _P}, None),
    "debit": _balance_change({"amount": balances.c.amount - _P}, _AVAILABLE),
    "hold": _balance_change({"held": balances.c.held + _P}, _AVAILABLE),
    "capture": _balance_change({"amount": balances.c.amount - _P, "held": balances.c.held - _P}, balances.c.held >= _P),
    "release": _balance_change({"held": balances.c.held - _P}, balances.c.held >= _P),
}


_OPEN = (TxStatus.PENDING.value, TxStatus.PROCESSING.value)


class SqlaTransactionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._s = conn

    async def _one(self, stmt: Select[Any]) -> Transaction | None:
        row = (await self._s.execute(stmt)).mappings().first()
        return tx_from_row(row) if row else None

    async def _many(self, stmt: Select[Any]) -> list[Transaction]:
        return [tx_from_row(row) for row in (await self._s.execute(stmt)).mappings()]

    async def add(self, tx: Transaction) -> None:
        try:
            async with self._s.begin_nested():
                await self._s.execute(insert(transactions).values(**tx_to_row(tx)))
        except IntegrityError as exc:
            if is_unique_violation(exc):
                msg = f"transaction {tx.id} clashes with a stored one (id, idempotency key or order id)"
                raise DuplicateTransaction(msg) from exc
            msg = f"user {tx.user_id} is not registered"
            raise UnknownUser(msg) from exc

    async def get(self, tx_id: str, *, lock: bool = False) -> Transaction | None:
        row = (await self._s.execute(_BY_ID[lock], {"tx_id": tx_id})).mappings().first()
        return tx_from_row(row) if row else None

    async def by_order_id(self, order_id: str, *, lock: bool = False) -> Transaction | None:
        row = (await self._s.execute(_BY_ORDER_ID[lock], {"order_id": order_id})).mappings().first()
        return tx_from_row(row) if row else None

    async def by_idempotency_key(self, user_id: int, key: str) -> Transaction | None:
        c = transactions.c
        return await self._one(select(transactions).where(c.user_id == user_id, c.idempotency_key == key))

    async def update(self, tx: Transaction) -> None:
        values = tx_to_row(tx)
        values["tx_id"] = values.pop("id")  # every other column is SET from its value
        result = await self._s.execute(_UPDATE_TX, values)
        if result.rowcount == 0:
            msg = f"no transaction {tx.id} to update"
            raise KeyError(msg)

    async def invoice_of(self, purchase_id: str) -> Transaction | None:
        stmt = select(transactions).where(transactions.c.purchase_id == purchase_id).order_by(transactions.c.id)
        return await self._one(stmt.limit(1))

    async def claim_delivery(self, tx_id: str, at: datetime) -> ClaimResult:
        c = transactions.c
        stmt = (
            update(transactions)
            .where(
                c.id == tx_id,
                c.type == TxType.PURCHASE.value,
                c.status == TxStatus.PENDING.value,
                c.funded.is_(True),
            )
            .values(status=TxStatus.PROCESSING.value, attempt_started_at=at, updated_at=at)
        )
        try:
            async with self._s.begin_nested():
                result = await self._s.execute(stmt)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                return ClaimResult.BUSY
            raise
        return ClaimResult.CLAIMED if result.rowcount else ClaimResult.NOT_CLAIMABLE

    async def receipts_for(self, recipient: str, stars: int, *, since: datetime) -> frozenset[str]:
        c = transactions.c
        stmt = select(c.receipt_ref).where(
            c.receipt_ref.is_not(None),
            c.stars == stars,
            func.lower(c.recipient) == recipient.lower(),
            c.created_at >= since,
        )
        return frozenset((await self._s.execute(stmt)).scalars())

    async def daily_usage(self, user_id: int, since: datetime) -> DailyUsage:
        # Lock the user's balance row first, so that concurrent purchases of one user are counted one at a time.
        await self._s.execute(select(balances.c.user_id).where(balances.c.user_id == user_id).with_for_update())
        c = transactions.c
        stmt = select(func.count(), func.coalesce(func.sum(c.stars), 0)).where(
            c.user_id == user_id,
            c.type == TxType.PURCHASE.value,
            c.created_at >= since,
            c.status.not_in((TxStatus.FAILED.value, TxStatus.CANCELLED.value, TxStatus.EXPIRED.value)),
        )
        count, stars = (await self._s.execute(stmt)).one()
        return DailyUsage(purchases=int(count), stars=int(stars))

    async def open_recharges(
        self, *, expiring_before: datetime, checked_before: datetime, limit: int
    ) -> list[Transaction]:
        c = transactions.c
        stmt = (
            select(transactions)
            .where(
                c.type == TxType.RECHARGE.value,
                c.status.in_(_OPEN),
                c.expires_at.is_not(None),
                c.expires_at < expiring_before,
                or_(c.checked_at.is_(None), c.checked_at < checked_before),
            )
            .order_by(c.expires_at, c.id)
            .limit(limit)
        )
        return await self._many(stmt)

    async def queued_purchases(self, *, updated_before: datetime, limit: int) -> list[Transaction]:
        c = transactions.c
        stmt = (
            select(transactions)
            .where(
                c.type == TxType.PURCHASE.value,
                c.status == TxStatus.PENDING.value,
                c.funded.is_(True),
                c.updated_at < updated_before,
            )
            .order_by(c.updated_at, c.id)
            .limit(limit)
        )
        return await self._many(stmt)

    async def in_flight_purchases(self, *, started_before: datetime, limit: int) -> list[Transaction]:
        c = transactions.c
        stmt = (
            select(transactions)
            .where(
                c.type == TxType.PURCHASE.value,
                c.status == TxStatus.PROCESSING.value,
                c.attempt_started_at.is_not(None),
                c.attempt_started_at < started_before,
            )
            .order_by(c.attempt_started_at, c.id)
            .limit(limit)
        )
        return await self._many(stmt)


def _lockable(stmt: Select[Any]) -> dict[bool, Select[Any]]:
    return {False: stmt, True: stmt.with_for_update()}


_BY_ID = _lockable(select(transactions).where(transactions.c.id == bindparam("tx_id")))
_BY_ORDER_ID = _lockable(select(transactions).where(transactions.c.order_id == bindparam("order_id")))
_UPDATE_TX = update(transactions).where(transactions.c.id == bindparam("tx_id"))


class SqlaOutbox:
    """Events are kept until the unit of work commits, then written in one statement before the ``COMMIT``.

    Nothing reads the outbox inside the transaction that writes it, so holding the rows back changes nothing but
    the number of round trips: one for all of a commit's events instead of one each.
    """

    def __init__(self, conn: AsyncConnection) -> None:
        self._s = conn
        self._pending: dict[str, dict[str, Any]] = {}

    async def add(self, event: Event) -> None:
        if event.key not in self._pending:  # a repeated key is dropped, as the stored one would drop it
            self._pending[event.key] = {
                "key": event.key,
                "kind": event.kind,
                "user_id": event.user_id,
                "payload": event_to_dict(event),
                "created_at": _now(),
            }

    async def flush(self) -> None:
        rows, self._pending = list(self._pending.values()), {}
        if rows:
            await self._s.execute(_ADD_TO_OUTBOX, rows)


# One statement for both databases, built once: a dialect ``insert().on_conflict_do_nothing()`` cannot be cached by
# SQLAlchemy, so it was compiled anew for every event (a tenth of a webhook's CPU time on Postgres). Several events
# are one ``executemany``, which asyncpg sends as a single pipelined round trip.
_ADD_TO_OUTBOX = text(
    "INSERT INTO outbox (key, kind, user_id, payload, attempts, created_at)"
    " VALUES (:key, :kind, :user_id, :payload, 0, :created_at) ON CONFLICT (key) DO NOTHING"
).bindparams(
    bindparam("key", type_=outbox.c.key.type),
    bindparam("kind", type_=outbox.c.kind.type),
    bindparam("user_id", type_=outbox.c.user_id.type),
    bindparam("payload", type_=outbox.c.payload.type),
    bindparam("created_at", type_=outbox.c.created_at.type),
)


class SqlaOutboxReader:
    def __init__(self, conn: AsyncConnection) -> None:
        self._s = conn

    async def claim(self, *, now: datetime, lease_until: datetime, limit: int) -> list[OutboxMessage]:
        c = outbox.c
        free = (
            select(c.id)
            .where(or_(c.leased_until.is_(None), c.leased_until <= now))
            .order_by(c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list((await self._s.execute(free)).scalars())
        if not ids:
            return []
        stmt = (
            update(outbox)
            .where(c.id.in_(ids))
            .values(leased_until=lease_until, attempts=c.attempts + 1)
            .returning(c.id, c.payload, c.attempts)
        )
        rows = sorted((await self._s.execute(stmt)).mappings(), key=lambda row: row["id"])
        return [OutboxMessage(id=r["id"], event=event_from_dict(r["payload"]), attempts=r["attempts"]) for r in rows]

    async def complete(self, ids: Sequence[int]) -> None:
        if ids:
            await self._s.execute(outbox.delete().where(and_(outbox.c.id.in_(list(ids)))))
