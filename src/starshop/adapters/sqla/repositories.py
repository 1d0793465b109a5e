"""Repositories on one unit of work's ``Execution``: every balance change is a single conditional statement.

Every statement is built once, here, as a ``Query`` with its values bound at execution: building a statement on
every call cost more CPU than running it, and the asyncpg path compiles each ``Query`` only once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Text,
    any_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from starshop.adapters.events_codec import event_from_dict, event_to_dict
from starshop.adapters.sqla.execution import Execution, Query
from starshop.adapters.sqla.rows import balance_from_row, tx_from_row, tx_to_row, user_from_row, user_to_row
from starshop.adapters.sqla.tables import balances, outbox, transactions, users
from starshop.adapters.sqla.types import Amount, UtcDateTime, money_add, money_at_least, money_sub
from starshop.application.errors import DuplicateTransaction, UnknownUser
from starshop.application.ports import ClaimResult, Clock, OutboxMessage, QuarantinedMessage
from starshop.domain import Balance, Currency, DailyUsage, Money, Transaction, TxStatus, TxType, User
from starshop.domain.events import Event

logger = logging.getLogger(__name__)
_RETRIES = 5


def is_unique_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    for candidate in (orig, getattr(orig, "__cause__", None)):
        if getattr(candidate, "sqlstate", None) == "23505" or getattr(candidate, "pgcode", None) == "23505":
            return True
    return "UNIQUE constraint failed" in str(orig)


def _by_dialect(build: Any) -> dict[str, Query]:
    """A statement that needs each database's own ``INSERT ... ON CONFLICT``."""
    return {"postgresql": Query(build(postgresql.insert)), "sqlite": Query(build(sqlite.insert))}


def _upsert_user(dialect_insert: Any) -> Any:
    stmt = dialect_insert(users)
    profile = {c.name: stmt.excluded[c.name] for c in users.c if c.name not in ("user_id", "created_at")}
    return stmt.on_conflict_do_update(index_elements=[users.c.user_id], set_=profile).returning(*users.c)


def _ensure_balance(dialect_insert: Any) -> Any:
    return dialect_insert(balances).on_conflict_do_nothing(index_elements=[balances.c.user_id])


_USER = Query(select(users).where(users.c.user_id == bindparam("user_id")))
_UPSERT_USER = _by_dialect(_upsert_user)
_BALANCE = Query(select(balances).where(balances.c.user_id == bindparam("user_id")))
_ENSURE_BALANCE = _by_dialect(_ensure_balance)


class SqlaUserRepository:
    def __init__(self, x: Execution) -> None:
        self._x = x

    async def get(self, user_id: int) -> User | None:
        row = await self._x.first(_USER, {"user_id": user_id})
        return user_from_row(row) if row else None

    async def upsert(self, user: User) -> User:
        [row] = await self._x.rows(_UPSERT_USER[self._x.dialect_name], user_to_row(user))
        return user_from_row(row)


class SqlaBalanceRepository:
    def __init__(self, x: Execution, clock: Clock) -> None:
        self._x = x
        self._clock = clock

    async def get(self, user_id: int) -> Balance | None:
        row = await self._x.first(_BALANCE, {"user_id": user_id})
        return balance_from_row(user_id, row) if row else None

    async def ensure(self, user_id: int, currency: Currency) -> Balance:
        now = self._clock.now()
        values = {"user_id": user_id, "amount": 0, "held": 0, "currency": currency.code}
        await self._x.run(_ENSURE_BALANCE[self._x.dialect_name], {**values, "created_at": now, "updated_at": now})
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
                params = {
                    "p": amount.amount,
                    "b_user": user_id,
                    "b_currency": amount.currency.code,
                    "b_now": self._clock.now(),
                }
                row = await self._x.first(_BALANCE_CHANGES[op], params)
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


def _balance_change(changes: dict[str, ColumnElement[Any]], condition: ColumnElement[bool] | None) -> Query:
    where = [balances.c.user_id == bindparam("b_user"), balances.c.currency == bindparam("b_currency")]
    if condition is not None:
        where.append(condition)
    return Query(
        update(balances)
        .where(*where)
        .values(**changes, updated_at=bindparam("b_now", type_=UtcDateTime()))
        .returning(balances.c.amount, balances.c.held, balances.c.currency)
    )


_P = bindparam("p", type_=Amount())
_b = balances.c
_AVAILABLE = money_at_least(money_sub(_b.amount, _b.held), _P)
_HELD = money_at_least(_b.held, _P)
_BALANCE_CHANGES = {
    "credit": _balance_change({"amount": money_add(_b.amount, _P)}, None),
    "debit": _balance_change({"amount": money_sub(_b.amount, _P)}, _AVAILABLE),
    "hold": _balance_change({"held": money_add(_b.held, _P)}, _AVAILABLE),
    "capture": _balance_change({"amount": money_sub(_b.amount, _P), "held": money_sub(_b.held, _P)}, _HELD),
    "release": _balance_change({"held": money_sub(_b.held, _P)}, _HELD),
}


_t = transactions.c
_OPEN = or_(_t.status == TxStatus.PENDING.value, _t.status == TxStatus.PROCESSING.value)
_NOT_COUNTED = (TxStatus.FAILED.value, TxStatus.CANCELLED.value, TxStatus.EXPIRED.value)
_LIMIT = bindparam("limit", type_=Integer())


def _lockable(where: ColumnElement[bool]) -> dict[bool, Query]:
    stmt = select(transactions).where(where)
    return {False: Query(stmt), True: Query(stmt.with_for_update())}


_BY_ID = _lockable(_t.id == bindparam("tx_id"))
_BY_ORDER_ID = _lockable(_t.order_id == bindparam("order_id"))


def _lock_owner_balance(where: ColumnElement[bool]) -> Query:
    """The one lock order (docs/persistence.md): the owner's balance row before any of its transaction rows."""
    owner = select(_t.user_id).where(where).scalar_subquery()
    return Query(select(balances.c.user_id).where(balances.c.user_id == owner).with_for_update())


_LOCK_OWNER_BY_ID = _lock_owner_balance(_t.id == bindparam("tx_id"))
_LOCK_OWNER_BY_ORDER_ID = _lock_owner_balance(_t.order_id == bindparam("order_id"))
_BY_IDEMPOTENCY_KEY = Query(
    select(transactions).where(_t.user_id == bindparam("user_id"), _t.idempotency_key == bindparam("key"))
)
_INSERT_TX = Query(insert(transactions))  # the columns are the row's
_UPDATE_TX = Query(update(transactions).where(_t.id == bindparam("tx_id")))  # every other column is SET
_INVOICE_OF = Query(select(transactions).where(_t.purchase_id == bindparam("purchase_id")).order_by(_t.id).limit(1))
_CLAIM_DELIVERY = Query(
    update(transactions)
    .where(
        _t.id == bindparam("tx_id"),
        _t.type == TxType.PURCHASE.value,
        _t.status == TxStatus.PENDING.value,
        _t.funded.is_(True),
    )
    .values(
        status=TxStatus.PROCESSING.value,
        attempt_started_at=bindparam("at", type_=UtcDateTime()),
        updated_at=bindparam("at", type_=UtcDateTime()),
    )
)
_IN_FLIGHT_FOR = Query(
    select(transactions).where(
        _t.type == TxType.PURCHASE.value,
        _t.status == TxStatus.PROCESSING.value,
        func.lower(_t.recipient) == bindparam("recipient"),
        _t.stars == bindparam("stars"),
    )
)
_RECEIPTS_FOR = Query(
    select(_t.receipt_ref).where(
        _t.receipt_ref.is_not(None),
        _t.stars == bindparam("stars"),
        func.lower(_t.recipient) == bindparam("recipient"),
        _t.created_at >= bindparam("since", type_=UtcDateTime()),
    )
)
# Lock the user's balance row first, so that concurrent purchases of one user are counted one at a time.
_LOCK_BALANCE = Query(select(balances.c.user_id).where(balances.c.user_id == bindparam("user_id")).with_for_update())
_DAILY_USAGE = Query(
    select(func.count(), func.coalesce(func.sum(_t.stars), 0)).where(
        _t.user_id == bindparam("user_id"),
        _t.type == TxType.PURCHASE.value,
        _t.created_at >= bindparam("since", type_=UtcDateTime()),
        *(_t.status != status for status in _NOT_COUNTED),
    )
)
_OPEN_RECHARGES = Query(
    select(transactions)
    .where(
        _t.type == TxType.RECHARGE.value,
        _OPEN,
        _t.expires_at.is_not(None),
        _t.expires_at < bindparam("expiring_before", type_=UtcDateTime()),
        or_(_t.checked_at.is_(None), _t.checked_at < bindparam("checked_before", type_=UtcDateTime())),
    )
    .order_by(_t.expires_at, _t.id)
    .limit(_LIMIT)
)
_QUEUED_PURCHASES = Query(
    select(transactions)
    .where(
        _t.type == TxType.PURCHASE.value,
        _t.status == TxStatus.PENDING.value,
        _t.funded.is_(True),
        _t.updated_at < bindparam("updated_before", type_=UtcDateTime()),
    )
    .order_by(_t.updated_at, _t.id)
    .limit(_LIMIT)
)
_IN_FLIGHT_PURCHASES = Query(
    select(transactions)
    .where(
        _t.type == TxType.PURCHASE.value,
        _t.status == TxStatus.PROCESSING.value,
        _t.attempt_started_at.is_not(None),
        _t.attempt_started_at < bindparam("started_before", type_=UtcDateTime()),
    )
    .order_by(_t.attempt_started_at, _t.id)
    .limit(_LIMIT)
)


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
                await self._x.run(_INSERT_TX, tx_to_row(tx))
        except IntegrityError as exc:
            if is_unique_violation(exc):
                msg = f"transaction {tx.id} clashes with a stored one (id, idempotency key or order id)"
                raise DuplicateTransaction(msg) from exc
            msg = f"user {tx.user_id} is not registered"
            raise UnknownUser(msg) from exc

    async def get(self, tx_id: str, *, lock: bool = False) -> Transaction | None:
        if lock and self._x.dialect_name != "sqlite":  # SQLite: BEGIN IMMEDIATE already serialises writers
            await self._x.run(_LOCK_OWNER_BY_ID, {"tx_id": tx_id})
        return await self._one(_BY_ID[lock], {"tx_id": tx_id})

    async def by_order_id(self, order_id: str, *, lock: bool = False) -> Transaction | None:
        if lock and self._x.dialect_name != "sqlite":
            await self._x.run(_LOCK_OWNER_BY_ORDER_ID, {"order_id": order_id})
        return await self._one(_BY_ORDER_ID[lock], {"order_id": order_id})

    async def by_idempotency_key(self, user_id: int, key: str) -> Transaction | None:
        return await self._one(_BY_IDEMPOTENCY_KEY, {"user_id": user_id, "key": key})

    async def update(self, tx: Transaction) -> None:
        values = tx_to_row(tx)
        values["tx_id"] = values.pop("id")
        if await self._x.run(_UPDATE_TX, values) == 0:
            msg = f"no transaction {tx.id} to update"
            raise KeyError(msg)

    async def invoice_of(self, purchase_id: str) -> Transaction | None:
        return await self._one(_INVOICE_OF, {"purchase_id": purchase_id})

    async def claim_delivery(self, tx_id: str, at: datetime) -> ClaimResult:
        try:
            async with self._x.savepoint():
                changed = await self._x.run(_CLAIM_DELIVERY, {"tx_id": tx_id, "at": at})
        except IntegrityError as exc:
            if is_unique_violation(exc):
                return ClaimResult.BUSY
            raise
        return ClaimResult.CLAIMED if changed else ClaimResult.NOT_CLAIMABLE

    async def in_flight_for(self, recipient: str, stars: int) -> Transaction | None:
        return await self._one(_IN_FLIGHT_FOR, {"recipient": recipient.lower(), "stars": stars})

    async def receipts_for(self, recipient: str, stars: int, *, since: datetime) -> frozenset[str]:
        params = {"recipient": recipient.lower(), "stars": stars, "since": since}
        return frozenset(row[0] for row in await self._x.values(_RECEIPTS_FOR, params))

    async def daily_usage(self, user_id: int, since: datetime) -> DailyUsage:
        await self._x.run(_LOCK_BALANCE, {"user_id": user_id})
        [(count, stars)] = await self._x.values(_DAILY_USAGE, {"user_id": user_id, "since": since})
        return DailyUsage(purchases=int(count), stars=int(stars))

    async def open_recharges(
        self, *, expiring_before: datetime, checked_before: datetime, limit: int
    ) -> list[Transaction]:
        params = {"expiring_before": expiring_before, "checked_before": checked_before, "limit": limit}
        return await self._many(_OPEN_RECHARGES, params)

    async def queued_purchases(self, *, updated_before: datetime, limit: int) -> list[Transaction]:
        return await self._many(_QUEUED_PURCHASES, {"updated_before": updated_before, "limit": limit})

    async def in_flight_purchases(self, *, started_before: datetime, limit: int) -> list[Transaction]:
        return await self._many(_IN_FLIGHT_PURCHASES, {"started_before": started_before, "limit": limit})


class SqlaOutbox:
    """Events are kept until the unit of work commits, then written in one statement before the ``COMMIT``.

    Nothing reads the outbox inside the transaction that writes it, so holding the rows back changes nothing but
    the number of round trips: one for all of a commit's events instead of one each.
    """

    def __init__(self, x: Execution, clock: Clock) -> None:
        self._x = x
        self._clock = clock
        self._pending: dict[str, dict[str, Any]] = {}

    async def add(self, event: Event) -> None:
        if event.key not in self._pending:  # a repeated key is dropped, as the stored one would drop it
            self._pending[event.key] = {
                "key": event.key,
                "kind": event.kind,
                "user_id": event.user_id,
                "payload": event_to_dict(event),
                "created_at": self._clock.now(),
            }

    async def flush(self) -> None:
        rows, self._pending = list(self._pending.values()), {}
        if rows:
            await self._x.run_many(_ADD_TO_OUTBOX, rows)


# One statement for both databases (a dialect ``insert().on_conflict_do_nothing()`` cannot be cached by SQLAlchemy);
# several events are one ``executemany``, which asyncpg sends as a single pipelined round trip.
_ADD_TO_OUTBOX = Query(
    text(
        "INSERT INTO outbox (key, kind, user_id, payload, attempts, created_at)"
        " VALUES (:key, :kind, :user_id, :payload, 0, :created_at) ON CONFLICT (key) DO NOTHING"
    ).bindparams(
        bindparam("key", type_=outbox.c.key.type),
        bindparam("kind", type_=outbox.c.kind.type),
        bindparam("user_id", type_=outbox.c.user_id.type),
        bindparam("payload", type_=outbox.c.payload.type),
        bindparam("created_at", type_=outbox.c.created_at.type),
    )
)
_o = outbox.c
# Claim in one statement: the free messages are locked (skipping those another relay holds) and leased together.
_CLAIM = Query(
    update(outbox)
    .where(
        _o.id.in_(
            select(_o.id)
            .where(
                _o.quarantined_at.is_(None),
                or_(_o.leased_until.is_(None), _o.leased_until <= bindparam("now", type_=UtcDateTime())),
            )
            .order_by(_o.id)
            .limit(_LIMIT)
            .with_for_update(skip_locked=True)
        )
    )
    .values(leased_until=bindparam("lease_until", type_=UtcDateTime()), attempts=_o.attempts + 1)
    .returning(_o.id, _o.key, _o.kind, _o.payload, _o.attempts)
)
_QUARANTINE = Query(
    update(outbox)
    .where(_o.id == bindparam("message_id"))
    .values(
        quarantined_at=bindparam("at", type_=UtcDateTime()),
        quarantine_reason=bindparam("reason", type_=Text()),
        leased_until=None,
    )
)
_QUARANTINED = Query(
    select(outbox).where(_o.quarantined_at.is_not(None)).order_by(_o.quarantined_at, _o.id).limit(_LIMIT)
)
_COMPLETE = {
    "postgresql": Query(delete(outbox).where(_o.id == any_(bindparam("ids", type_=postgresql.ARRAY(BigInteger()))))),
    "sqlite": Query(delete(outbox).where(_o.id.in_(bindparam("ids", expanding=True)))),
}


def _event(payload: Any) -> Event:
    if not isinstance(payload, Mapping):
        msg = f"the payload is a {type(payload).__name__}, not an object"
        raise ValueError(msg)
    try:
        return event_from_dict(payload)
    except (TypeError, KeyError, ArithmeticError) as exc:  # a payload malformed in ways the codec does not name
        msg = f"{type(exc).__name__}: {exc}"
        raise ValueError(msg) from exc


class SqlaOutboxReader:
    def __init__(self, x: Execution) -> None:
        self._x = x

    async def claim(self, *, now: datetime, lease_until: datetime, limit: int) -> list[OutboxMessage]:
        rows = await self._x.rows(_CLAIM, {"now": now, "lease_until": lease_until, "limit": limit})
        messages, poison = [], []
        for row in sorted(rows, key=lambda row: row["id"]):
            try:
                messages.append(OutboxMessage(id=row["id"], event=_event(row["payload"]), attempts=row["attempts"]))
            except ValueError as exc:
                poison.append({"message_id": row["id"], "at": now, "reason": str(exc)[:500]})
                logger.exception(
                    "outbox message %s (key %r, kind %r) cannot be read as an event and is set aside",
                    row["id"],
                    row["key"],
                    row["kind"],
                )
        if poison:
            await self._x.run_many(_QUARANTINE, poison)
        return messages

    async def quarantined(self, *, limit: int) -> list[QuarantinedMessage]:
        return [
            QuarantinedMessage(
                id=r["id"],
                key=r["key"],
                kind=r["kind"],
                user_id=r["user_id"],
                payload=r["payload"],
                reason=r["quarantine_reason"] or "",
                attempts=r["attempts"],
                created_at=r["created_at"],
                quarantined_at=r["quarantined_at"],
            )
            for r in await self._x.rows(_QUARANTINED, {"limit": limit})
        ]

    async def complete(self, ids: Sequence[int]) -> None:
        if ids:
            await self._x.run(_COMPLETE[self._x.dialect_name], {"ids": list(ids)})
