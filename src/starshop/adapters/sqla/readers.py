"""Reads that decide nothing about money: history, search, statistics and the ledger audit, in SQL."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.sqla.rows import tx_from_row
from starshop.adapters.sqla.tables import balances, outbox, transactions, users
from starshop.adapters.sqla.types import money_neg, money_sum
from starshop.application.ports import (
    Activity,
    ActivityFigures,
    Bucket,
    LedgerTotals,
    Page,
    ShopStats,
    TransactionFilter,
)
from starshop.domain import PREMIUM_MONTHS, Currency, Product, Transaction, TxStatus, TxType

_t = transactions.c


def _dec(value: Decimal | None) -> Decimal:
    return Decimal(0) if value is None else value


class SqlaTransactionReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def _page(self, where: list[ColumnElement[bool]], limit: int, offset: int) -> Page:
        async with self._engine.connect() as s:
            total = (await s.execute(select(func.count()).select_from(transactions).where(*where))).scalar_one()
            stmt = (
                select(transactions)
                .where(*where)
                .order_by(_t.created_at.desc(), _t.id.desc())
                .limit(limit)
                .offset(offset)
            )
            items = [tx_from_row(row) for row in (await s.execute(stmt)).mappings()]
        return Page(items=items, total=int(total), offset=offset, limit=limit)

    async def history(self, user_id: int, *, limit: int, offset: int) -> Page:
        return await self._page([_t.user_id == user_id], limit, offset)

    async def search(self, flt: TransactionFilter, *, limit: int, offset: int) -> Page:
        where: list[ColumnElement[bool]] = []
        if flt.user_id is not None:
            where.append(_t.user_id == flt.user_id)
        if flt.status is not None:
            where.append(_t.status == flt.status.value)
        if flt.type is not None:
            where.append(_t.type == flt.type.value)
        if flt.flagged is not None:
            where.append(_t.flag.is_not(None) if flt.flagged else _t.flag.is_(None))
        for column, value in ((_t.id, flt.tx_id), (_t.order_id, flt.order_id), (_t.invoice_uuid, flt.invoice_uuid)):
            if value is not None:
                where.append(column == value)
        if flt.created_since is not None:
            where.append(_t.created_at >= flt.created_since)
        if flt.created_before is not None:
            where.append(_t.created_at < flt.created_before)
        return await self._page(where, limit, offset)

    async def stats(self) -> ShopStats:
        completed = _t.status == TxStatus.COMPLETED.value
        async with self._engine.connect() as s:
            user_count = (await s.execute(select(func.count()).select_from(users))).scalar_one()
            by_status = {
                status: int(n)
                for status, n in (await s.execute(select(_t.status, func.count()).group_by(_t.status))).all()
            }
            recharges, purchases, stars, flagged = (
                await s.execute(
                    select(
                        money_sum(case((completed & (_t.type == TxType.RECHARGE.value), _t.amount))),
                        money_sum(case((completed & (_t.type == TxType.PURCHASE.value), _t.amount))),
                        func.sum(case((completed & (_t.type == TxType.PURCHASE.value), _t.stars))),
                        func.count(_t.flag),
                    )
                )
            ).one()
            total_balance, total_held = (
                await s.execute(select(money_sum(balances.c.amount), money_sum(balances.c.held)))
            ).one()
        return ShopStats(
            users=int(user_count),
            transactions_by_status=by_status,
            completed_recharges=_dec(recharges),
            completed_purchases=_dec(purchases),
            stars_delivered=int(stars or 0),
            flagged=int(flagged),
            total_balance=_dec(total_balance),
            total_held=_dec(total_held),
        )

    async def activity(self, *, since: datetime, until: datetime, bucket: Bucket) -> Activity:
        period = _period(self._engine.dialect.name, _t.created_at, bucket).label("period_start")
        by_period: ColumnElement[Any] = literal_column("period_start")
        shopping = [
            _t.created_at >= since,
            _t.created_at < until,
            _t.type.in_((TxType.RECHARGE.value, TxType.PURCHASE.value)),
        ]
        sums = (
            select(period, _t.type, _t.status, func.count(), money_sum(_t.amount), func.sum(_t.stars))
            .where(*shopping)
            .group_by(by_period, _t.type, _t.status)
        )
        active = select(period, func.count(func.distinct(_t.user_id))).where(*shopping).group_by(by_period)
        joined = _period(self._engine.dialect.name, users.c.created_at, bucket).label("period_start")
        new = (
            select(joined, func.count())
            .where(users.c.created_at >= since, users.c.created_at < until)
            .group_by(by_period)
        )
        figures: dict[date, dict[str, Any]] = {}

        def of(key: object) -> dict[str, Any]:
            day = key if isinstance(key, date) else date.fromisoformat(str(key))
            return figures.setdefault(day, {"purchases_by_status": {}})

        async with self._engine.connect() as s:
            for key, kind, status, count, amount, stars in (await s.execute(sums)).all():
                found = of(key)
                if kind == TxType.PURCHASE.value:
                    found["purchases_by_status"][status] = int(count)
                if status != TxStatus.COMPLETED.value:
                    continue
                if kind == TxType.RECHARGE.value:
                    found["recharged"] = _dec(amount)
                else:
                    found["sales"], found["stars"] = _dec(amount), int(stars or 0)
            for key, count in (await s.execute(active)).all():
                of(key)["active_users"] = int(count)
            for key, count in (await s.execute(new)).all():
                of(key)["new_users"] = int(count)
            total_active = (
                await s.execute(select(func.count(func.distinct(_t.user_id))).where(*shopping))
            ).scalar_one()
        return Activity(
            periods={key: ActivityFigures(**found) for key, found in figures.items()}, active_users=int(total_active)
        )


def _period(dialect: str, column: ColumnElement[datetime], bucket: Bucket) -> ColumnElement[Any]:
    """The first UTC day of the period a timestamp falls in (its day, or the Monday of its ISO week)."""
    if dialect == "sqlite":  # a naive UTC text; its day is read as text, since SQLite rounds 23:59:59.9995 up
        day = func.substr(column, 1, 10)
        if bucket is Bucket.DAY:
            return day
        return func.date(day, literal_column("'weekday 0'"), literal_column("'-6 days'"))
    utc = func.timezone(literal_column("'UTC'"), column)
    if bucket is Bucket.DAY:
        return cast(utc, Date)
    return cast(func.date_trunc(literal_column("'week'"), utc), Date)


_REFS_PER_QUERY = 500


class SqlaLedgerReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def purchases_to_audit(self, *, started_since: datetime, refs: Collection[str]) -> list[Transaction]:
        purchase = _t.type == TxType.PURCHASE.value
        wanted = sorted(set(refs))
        found: dict[str, Transaction] = {}
        async with self._engine.connect() as s:
            started = select(transactions).where(purchase, _t.attempt_started_at >= started_since)
            queries = [started] + [
                select(transactions).where(purchase, _t.receipt_ref.in_(wanted[i : i + _REFS_PER_QUERY]))
                for i in range(0, len(wanted), _REFS_PER_QUERY)
            ]
            for query in queries:
                for row in (await s.execute(query)).mappings():
                    tx = tx_from_row(row)
                    found[tx.id] = tx
        return list(found.values())

    async def totals(self) -> list[LedgerTotals]:
        is_purchase = _t.type == TxType.PURCHASE.value
        signed = case((is_purchase, money_neg(_t.amount)), else_=_t.amount)
        holding = is_purchase & _t.funded.is_(True) & _t.status.in_((TxStatus.PENDING.value, TxStatus.PROCESSING.value))
        names_its_product = or_(
            and_(_t.product == Product.STARS.value, _t.stars > 0, _t.months.is_(None)),
            and_(_t.product == Product.PREMIUM.value, _t.stars.is_(None), _t.months.in_(PREMIUM_MONTHS)),
        )
        journal = (
            select(
                _t.user_id.label("user_id"),
                money_sum(case((_t.status == TxStatus.COMPLETED.value, signed))).label("journal_amount"),
                money_sum(case((holding, _t.amount))).label("journal_held"),
                func.count(case((is_purchase & ~func.coalesce(names_its_product, False), 1))).label("malformed"),
            )
            .group_by(_t.user_id)
            .subquery()
        )
        b = balances.c
        stmt = (
            select(
                b.user_id,
                b.currency,
                b.amount,
                b.held,
                journal.c.journal_amount,
                journal.c.journal_held,
                journal.c.malformed,
            )
            .select_from(balances.outerjoin(journal, journal.c.user_id == b.user_id))
            .order_by(b.user_id)
        )
        async with self._engine.connect() as s:
            rows = (await s.execute(stmt)).all()
        result = []
        for user_id, currency, amount, held, journal_amount, journal_held, malformed in rows:
            quantum = Currency.of(currency).quantum
            result.append(
                LedgerTotals(
                    user_id=user_id,
                    amount=amount.quantize(quantum),
                    held=held.quantize(quantum),
                    journal_amount=_dec(journal_amount).quantize(quantum),
                    journal_held=_dec(journal_held).quantize(quantum),
                    malformed_purchases=int(malformed or 0),
                )
            )
        return result


async def outbox_backlog(engine: AsyncEngine, *, now: datetime) -> tuple[int, float, int]:
    """How many outbox messages wait, how old the oldest is at ``now`` in seconds (0 when none wait), and how many
    are set aside (quarantined: unreadable by this release; they wait for an operator, not for the relay)."""
    waiting = outbox.c.quarantined_at.is_(None)
    async with engine.connect() as s:
        count, oldest, quarantined = (
            await s.execute(
                select(
                    func.count().filter(waiting),
                    func.min(outbox.c.created_at).filter(waiting),
                    func.count().filter(~waiting),
                )
            )
        ).one()
    if not count or oldest is None:
        return 0, 0.0, int(quarantined)
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), max((now - oldest).total_seconds(), 0.0), int(quarantined)
