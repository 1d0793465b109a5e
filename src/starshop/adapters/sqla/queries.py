"""Every statement the repositories run, built once at import as a ``Query`` with its values bound at execution.

Building a statement on every call cost more CPU than running it, and the asyncpg path compiles each ``Query``
only once (``execution.py``). Every balance change is a single conditional statement. A statement that needs each
database's own ``INSERT ... ON CONFLICT`` is a dict by dialect name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Integer,
    Text,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from starshop.adapters.sqla.execution import Query
from starshop.adapters.sqla.tables import (
    alerts,
    balances,
    broadcast_recipients,
    broadcasts,
    outbox,
    payment_webhooks,
    promo_codes,
    promo_redemptions,
    referrals,
    shop_settings,
    shop_settings_audit,
    transactions,
    users,
    waiting_orders,
)
from starshop.adapters.sqla.types import Amount, UtcDateTime, money_add, money_at_least, money_sub
from starshop.domain import OrderState, TxStatus, TxType
from starshop.domain.broadcast import BroadcastStatus, RecipientState

_LIMIT = bindparam("limit", type_=Integer())


def _by_dialect(build: Any) -> dict[str, Query]:
    return {"postgresql": Query(build(postgresql.insert)), "sqlite": Query(build(sqlite.insert))}


# --- users


def _upsert_user(dialect_insert: Any) -> Any:
    stmt = dialect_insert(users)
    kept = ("user_id", "created_at", "language")  # the language is the user's choice, not the profile's
    profile = {c.name: stmt.excluded[c.name] for c in users.c if c.name not in kept}
    return stmt.on_conflict_do_update(index_elements=[users.c.user_id], set_=profile).returning(*users.c)


USER = Query(select(users).where(users.c.user_id == bindparam("user_id")))
USERS_NAMED = Query(
    select(users).where(func.lower(users.c.username) == bindparam("username")).order_by(users.c.user_id).limit(_LIMIT)
)
UPSERT_USER = _by_dialect(_upsert_user)
SET_LANGUAGE = Query(
    update(users)
    .where(users.c.user_id == bindparam("u_user_id"))
    .values(language=bindparam("language"), updated_at=bindparam("updated_at"))
)

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

# --- a credit in one step (Postgres: the function of migrations 0011 and 0012; docs/performance.md)

CREDIT_SNAPSHOT = Query(
    select(
        transactions,
        literal_column("transactions.xmin::text").label("tx_version"),  # changes with every write of the row
        _b.amount.label("b_amount"),
        _b.held.label("b_held"),
        _b.currency.label("b_currency"),
        exists().where(waiting_orders.c.recharge_id == _t.id).label("has_order"),
    )
    .select_from(transactions.join(balances, _b.user_id == _t.user_id))
    .where(_t.order_id == bindparam("order_id"))
)
APPLY_CREDIT = Query(
    text(
        "SELECT starshop_apply_credit(:tx_id, :tx_version, :status, :gateway_status, :amount, :updated_at, :user_id,"
        " :currency, :amount_before, :held_before, :amount_after, :now, :keys, :kinds, :user_ids, :payloads,"
        " :w_fingerprint, :w_invoice_uuid, :w_status, :w_amount, :w_currency, :w_paid_amount, :w_outcome,"
        " :w_received_at, :w_keep) AS applied"
    ).columns(applied=Boolean()),
    standalone=True,
)
CREDIT_COLUMNS = frozenset({"status", "gateway_status", "amount", "updated_at"})
"""The journal columns the function writes; a transition that changes any other one takes the locked way."""

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
RELEASE = Query(
    update(outbox)
    .where(_o.id == bindparam("message_id"), _o.quarantined_at.is_not(None))
    .values(quarantined_at=None, quarantine_reason=None, leased_until=None)
)
OUTBOX_MESSAGE = Query(select(_o.id).where(_o.id == bindparam("message_id")))
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

# --- shop settings

_ss, _sa = shop_settings.c, shop_settings_audit.c
SETTINGS = {
    False: Query(select(_ss.doc).where(_ss.id == 1)),
    True: Query(select(_ss.doc).where(_ss.id == 1).with_for_update()),
}
ENSURE_SETTINGS = _by_dialect(lambda i: i(shop_settings).on_conflict_do_nothing(index_elements=[_ss.id]))
SAVE_SETTINGS = Query(update(shop_settings).where(_ss.id == 1))
INSERT_SETTINGS_AUDIT = Query(insert(shop_settings_audit))
SETTINGS_AUDIT_PAGE = Query(
    select(shop_settings_audit).order_by(_sa.id.desc()).limit(_LIMIT).offset(bindparam("offset"))
)
SETTINGS_AUDIT_COUNT = Query(select(func.count().label("total")).select_from(shop_settings_audit))
# --- alerts

_a = alerts.c
ADD_ALERT = Query(
    text(
        "INSERT INTO alerts (key, kind, subject, text, user_id, raised_at)"
        " VALUES (:key, :kind, :subject, :text, :user_id, :raised_at) ON CONFLICT (key) DO NOTHING"
    ).bindparams(
        bindparam("key", type_=_a.key.type),
        bindparam("kind", type_=_a.kind.type),
        bindparam("subject", type_=_a.subject.type),
        bindparam("text", type_=_a.text.type),
        bindparam("user_id", type_=_a.user_id.type),
        bindparam("raised_at", type_=_a.raised_at.type),
    )
)
_OF_CONDITION = (_a.kind == bindparam("a_kind"), _a.subject == bindparam("a_subject"))
CONDITION_ALERTS = Query(select(_a.id, _a.cleared_at).where(*_OF_CONDITION).order_by(_a.id.desc()))
ALERT = Query(select(alerts).where(_a.id == bindparam("alert_id")))
CLEAR_ALERTS = Query(
    update(alerts)
    .where(*_OF_CONDITION, _a.cleared_at.is_(None))
    .values(cleared_at=bindparam("at", type_=UtcDateTime()))
)
RECENT_ALERTS = {
    False: Query(select(alerts).order_by(_a.id.desc()).limit(_LIMIT)),
    True: Query(select(alerts).where(_a.acknowledged_at.is_(None)).order_by(_a.id.desc()).limit(_LIMIT)),
}
ACKNOWLEDGE_ALERT = Query(
    update(alerts)
    .where(_a.id == bindparam("alert_id"), _a.acknowledged_at.is_(None))
    .values(acknowledged_at=bindparam("at", type_=UtcDateTime()), acknowledged_by=bindparam("by", type_=BigInteger()))
)

# --- payment webhooks

_w = payment_webhooks.c
WEBHOOK_REPEATED = Query(
    update(payment_webhooks)
    .where(_w.tx_id == bindparam("w_tx_id"), _w.fingerprint == bindparam("w_fingerprint"))
    .values(repeats=_w.repeats + 1, last_received_at=bindparam("at", type_=UtcDateTime()))
)
WEBHOOKS_KEPT = Query(select(func.count().label("kept")).where(_w.tx_id == bindparam("tx_id")))
INSERT_WEBHOOK = Query(insert(payment_webhooks))
WEBHOOKS_OF = Query(select(payment_webhooks).where(_w.tx_id == bindparam("tx_id")).order_by(_w.id).limit(_LIMIT))
# --- broadcasts

_bc = broadcasts.c
_br = broadcast_recipients.c
_SINCE = bindparam("since", type_=UtcDateTime())
_LANGUAGE = bindparam("language", type_=Text())
_AT = bindparam("at", type_=UtcDateTime())
_ID = bindparam("b_id", type_=Text())
_u = users.c
# Who a segment reaches: a criterion given as NULL (or false) is off; a blocked user is never reached.
_REACHED = (
    select(_u.user_id)
    .select_from(users.outerjoin(balances, _b.user_id == _u.user_id))
    .where(
        _u.blocked_at.is_(None),
        or_(
            _LANGUAGE.is_(None),
            func.lower(_u.language_code) == _LANGUAGE,
            func.lower(_u.language_code).like(_LANGUAGE + "-%"),
        ),
        or_(
            _SINCE.is_(None),
            _u.updated_at >= _SINCE,
            exists().where(_t.user_id == _u.user_id, _t.created_at >= _SINCE),
        ),
        or_(
            bindparam("with_balance", type_=Boolean()).is_(False),
            ~money_at_least(literal_column("'0'"), _b.amount),
        ),
    )
)
COUNT_REACHED = Query(select(func.count().label("n")).select_from(_REACHED.subquery()))
INSERT_BROADCAST = Query(insert(broadcasts))
ADD_RECIPIENTS = Query(
    insert(broadcast_recipients).from_select(
        ["broadcast_id", "user_id", "state"],
        select(_ID, _REACHED.subquery().c.user_id, literal_column(f"'{RecipientState.PENDING.value}'")),
    )
)
BROADCAST = Query(select(broadcasts).where(_bc.id == _ID))
BROADCAST_BY_KEY = Query(select(broadcasts).where(_bc.idempotency_key == bindparam("key", type_=Text())))
BROADCAST_PAGE = Query(
    select(broadcasts).order_by(_bc.created_at.desc(), _bc.id.desc()).limit(_LIMIT).offset(bindparam("offset"))
)
PROGRESS = Query(select(_br.state, func.count().label("n")).where(_br.broadcast_id == _ID).group_by(_br.state))
_SENDING_BROADCAST = _bc.status == BroadcastStatus.SENDING.value


def _end_broadcast(status: BroadcastStatus, *more: ColumnElement[bool]) -> Query:
    return Query(
        update(broadcasts).where(_bc.id == _ID, _SENDING_BROADCAST, *more).values(status=status.value, finished_at=_AT)
    )


_OPEN = or_(_br.state == RecipientState.PENDING.value, _br.state == RecipientState.SENDING.value)
CANCEL_BROADCAST = _end_broadcast(BroadcastStatus.CANCELLED)
FINISH_BROADCAST = _end_broadcast(BroadcastStatus.DONE, ~exists().where(_br.broadcast_id == _bc.id, _OPEN))
# One pending recipient of a sending broadcast, locked (skipping those another worker holds) and claimed at once.
CLAIM_RECIPIENT = Query(
    update(broadcast_recipients)
    .where(
        _br.broadcast_id == _ID,
        _br.user_id.in_(
            select(_br.user_id)
            .where(
                _br.broadcast_id == _ID,
                _br.state == RecipientState.PENDING.value,
                exists().where(_bc.id == _ID, _SENDING_BROADCAST),
            )
            .order_by(_br.user_id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ),
    )
    .values(state=RecipientState.SENDING.value, claimed_at=_AT)
    .returning(_br.user_id)
)
RECORD_RECIPIENT = Query(
    update(broadcast_recipients)
    .where(
        _br.broadcast_id == _ID,
        _br.user_id == bindparam("u_id"),
        _br.state == RecipientState.SENDING.value,
    )
    .values(state=bindparam("new_state", type_=Text()), done_at=_AT, error=bindparam("why", type_=Text()))
)
MARK_BLOCKED = Query(update(users).where(_u.user_id == bindparam("u_id")).values(blocked_at=_AT))
ABANDON_RECIPIENTS = Query(
    update(broadcast_recipients)
    .where(
        _br.broadcast_id == _ID,
        _br.state == RecipientState.SENDING.value,
        _br.claimed_at < bindparam("before", type_=UtcDateTime()),
    )
    .values(state=RecipientState.UNKNOWN.value, error="interrupted: the message may or may not have arrived")
)
STALLED_BROADCASTS = Query(
    select(_bc.id)
    .where(
        _SENDING_BROADCAST,
        _bc.created_at < _SINCE,
        ~exists().where(_br.broadcast_id == _bc.id, _br.claimed_at >= _SINCE),
    )
    .order_by(_bc.created_at)
    .limit(_LIMIT)
)
# --- orders waiting for a top-up

_wo = waiting_orders.c
WAITING_ORDER = {
    False: Query(select(waiting_orders).where(_wo.recharge_id == bindparam("recharge_id"))),
    True: Query(select(waiting_orders).where(_wo.recharge_id == bindparam("recharge_id")).with_for_update()),
}
INSERT_WAITING_ORDER = Query(insert(waiting_orders))
UPDATE_WAITING_ORDER = Query(update(waiting_orders).where(_wo.recharge_id == bindparam("w_recharge_id")))
FUNDED_WAITING_ORDERS = Query(
    select(_wo.recharge_id)
    .select_from(waiting_orders.join(transactions, _t.id == _wo.recharge_id))
    .where(
        _wo.state == OrderState.WAITING.value,
        _wo.updated_at < bindparam("before", type_=UtcDateTime()),
        _t.status == TxStatus.COMPLETED.value,
        _t.updated_at < bindparam("before", type_=UtcDateTime()),
    )
    .order_by(_wo.updated_at, _wo.recharge_id)
    .limit(_LIMIT)
)
