"""Every statement the repositories run, built once at import as a ``Query`` with its values bound at execution.

Building a statement on every call cost more CPU than running it, and the asyncpg path compiles each ``Query``
only once (``execution.py``). Every balance change is a single conditional statement. A statement that needs each
database's own ``INSERT ... ON CONFLICT`` is a dict by dialect name.
"""

from __future__ import annotations

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

from starshop.adapters.sqla.execution import Query
from starshop.adapters.sqla.tables import (
    balances,
    outbox,
    promo_codes,
    promo_redemptions,
    referrals,
    transactions,
    users,
)
from starshop.adapters.sqla.types import Amount, UtcDateTime, money_add, money_at_least, money_sub
from starshop.domain import TxStatus, TxType

_LIMIT = bindparam("limit", type_=Integer())


def _by_dialect(build: Any) -> dict[str, Query]:
    return {"postgresql": Query(build(postgresql.insert)), "sqlite": Query(build(sqlite.insert))}


# --- users


def _upsert_user(dialect_insert: Any) -> Any:
    stmt = dialect_insert(users)
    profile = {c.name: stmt.excluded[c.name] for c in users.c if c.name not in ("user_id", "created_at")}
    return stmt.on_conflict_do_update(index_elements=[users.c.user_id], set_=profile).returning(*users.c)


USER = Query(select(users).where(users.c.user_id == bindparam("user_id")))
USERS_NAMED = Query(
    select(users).where(func.lower(users.c.username) == bindparam("username")).order_by(users.c.user_id).limit(_LIMIT)
)
UPSERT_USER = _by_dialect(_upsert_user)

# --- balances


def _ensure_balance(dialect_insert: Any) -> Any:
    return dialect_insert(balances).on_conflict_do_nothing(index_elements=[balances.c.user_id])


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


BALANCE = Query(select(balances).where(balances.c.user_id == bindparam("user_id")))
ENSURE_BALANCE = _by_dialect(_ensure_balance)
_P = bindparam("p", type_=Amount())
_b = balances.c
_AVAILABLE = money_at_least(money_sub(_b.amount, _b.held), _P)
_HELD = money_at_least(_b.held, _P)
BALANCE_CHANGES = {
    "credit": _balance_change({"amount": money_add(_b.amount, _P)}, None),
    "debit": _balance_change({"amount": money_sub(_b.amount, _P)}, _AVAILABLE),
    "hold": _balance_change({"held": money_add(_b.held, _P)}, _AVAILABLE),
    "capture": _balance_change({"amount": money_sub(_b.amount, _P), "held": money_sub(_b.held, _P)}, _HELD),
    "release": _balance_change({"held": money_sub(_b.held, _P)}, _HELD),
}
# Lock the user's balance row first, so that concurrent purchases of one user are counted one at a time.
LOCK_BALANCE = Query(select(balances.c.user_id).where(balances.c.user_id == bindparam("user_id")).with_for_update())

# --- transactions

_t = transactions.c
_OPEN = or_(_t.status == TxStatus.PENDING.value, _t.status == TxStatus.PROCESSING.value)
_NOT_COUNTED = (TxStatus.FAILED.value, TxStatus.CANCELLED.value, TxStatus.EXPIRED.value)


def _lockable(where: ColumnElement[bool]) -> dict[bool, Query]:
    stmt = select(transactions).where(where)
    return {False: Query(stmt), True: Query(stmt.with_for_update())}


def _lock_owner_balance(where: ColumnElement[bool]) -> Query:
    """The one lock order (docs/persistence.md): the owner's balance row before any of its transaction rows."""
    owner = select(_t.user_id).where(where).scalar_subquery()
    return Query(select(balances.c.user_id).where(balances.c.user_id == owner).with_for_update())


TX_BY_ID = _lockable(_t.id == bindparam("tx_id"))
TX_BY_ORDER_ID = _lockable(_t.order_id == bindparam("order_id"))
LOCK_OWNER_BY_ID = _lock_owner_balance(_t.id == bindparam("tx_id"))
LOCK_OWNER_BY_ORDER_ID = _lock_owner_balance(_t.order_id == bindparam("order_id"))
TX_BY_IDEMPOTENCY_KEY = Query(
    select(transactions).where(_t.user_id == bindparam("user_id"), _t.idempotency_key == bindparam("key"))
)
INSERT_TX = Query(insert(transactions))  # the columns are the row's
UPDATE_TX = Query(update(transactions).where(_t.id == bindparam("tx_id")))  # every other column is SET
INVOICE_OF = Query(select(transactions).where(_t.purchase_id == bindparam("purchase_id")).order_by(_t.id).limit(1))
CLAIM_DELIVERY = Query(
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
IN_FLIGHT_FOR = Query(
    select(transactions).where(
        _t.type == TxType.PURCHASE.value,
        _t.status == TxStatus.PROCESSING.value,
        func.lower(_t.recipient) == bindparam("recipient"),
        _t.stars.is_not_distinct_from(bindparam("stars", type_=Integer())),
        _t.months.is_not_distinct_from(bindparam("months", type_=Integer())),
    )
)
RECEIPTS_FOR = Query(
    select(_t.receipt_ref).where(
        _t.receipt_ref.is_not(None),
        _t.stars.is_not_distinct_from(bindparam("stars", type_=Integer())),
        _t.months.is_not_distinct_from(bindparam("months", type_=Integer())),
        func.lower(_t.recipient) == bindparam("recipient"),
        _t.created_at >= bindparam("since", type_=UtcDateTime()),
    )
)
DAILY_USAGE = Query(
    select(func.count(), func.coalesce(func.sum(_t.stars), 0)).where(
        _t.user_id == bindparam("user_id"),
        _t.type == TxType.PURCHASE.value,
        _t.created_at >= bindparam("since", type_=UtcDateTime()),
        *(_t.status != status for status in _NOT_COUNTED),
    )
)
OPEN_RECHARGES = Query(
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
QUEUED_PURCHASES = Query(
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
IN_FLIGHT_PURCHASES = Query(
    select(transactions)
    .where(
        _t.type == TxType.PURCHASE.value,
        _t.status == TxStatus.PROCESSING.value,
        _t.attempt_started_at.is_not(None),
        _t.attempt_started_at < bindparam("started_before", type_=UtcDateTime()),
    )
    .order_by(_t.updated_at, _t.id)  # least recently looked at first
    .limit(_LIMIT)
)

# --- outbox

# One statement for both databases (a dialect ``insert().on_conflict_do_nothing()`` cannot be cached by SQLAlchemy);
# several events are one ``executemany``, which asyncpg sends as a single pipelined round trip.
ADD_TO_OUTBOX = Query(
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
CLAIM_OUTBOX = Query(
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
QUARANTINE = Query(
    update(outbox)
    .where(_o.id == bindparam("message_id"))
    .values(
        quarantined_at=bindparam("at", type_=UtcDateTime()),
        quarantine_reason=bindparam("reason", type_=Text()),
        leased_until=None,
    )
)
QUARANTINED = Query(
    select(outbox).where(_o.quarantined_at.is_not(None)).order_by(_o.quarantined_at, _o.id).limit(_LIMIT)
)
COMPLETE_OUTBOX = {
    "postgresql": Query(delete(outbox).where(_o.id == any_(bindparam("ids", type_=postgresql.ARRAY(BigInteger()))))),
    "sqlite": Query(delete(outbox).where(_o.id.in_(bindparam("ids", expanding=True)))),
}

# --- promo codes

_pc = promo_codes.c
_pr = promo_redemptions.c
PROMO_BY_CODE = {
    False: Query(select(promo_codes).where(_pc.code == bindparam("code"))),
    True: Query(select(promo_codes).where(_pc.code == bindparam("code")).with_for_update()),
}
INSERT_PROMO = Query(insert(promo_codes))
UPDATE_PROMO = Query(update(promo_codes).where(_pc.code == bindparam("p_code")))
PROMO_PAGE = Query(
    select(promo_codes).order_by(_pc.created_at.desc(), _pc.code.desc()).limit(_LIMIT).offset(bindparam("offset"))
)
PROMO_USED_BY = Query(select(_pr.id).where(_pr.code == bindparam("code"), _pr.user_id == bindparam("user_id")).limit(1))
INSERT_REDEMPTION = Query(insert(promo_redemptions))

# --- referrals

_rf = referrals.c
REFERRAL_OF = Query(select(referrals).where(_rf.user_id == bindparam("user_id")))
INSERT_REFERRAL = Query(insert(referrals))
HAS_PURCHASED = Query(
    select(_t.id).where(_t.user_id == bindparam("user_id"), _t.type == TxType.PURCHASE.value).limit(1)
)
INVITED = Query(
    select(func.count().label("invited")).select_from(referrals).where(_rf.referrer_id == bindparam("user_id"))
)
REWARDS = Query(
    select(_t.amount).where(
        _t.user_id == bindparam("user_id"),
        _t.type == TxType.REFERRAL.value,
        _t.status == TxStatus.COMPLETED.value,
    )
)
