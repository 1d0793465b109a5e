"""The shop's activity per period, counted in memory as the SQL reader counts it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from starshop.application.ports import Activity, ActivityFigures, Bucket
from starshop.domain import Transaction, TxStatus, TxType, User


def activity_of(
    transactions: Iterable[Transaction], users: Iterable[User], *, since: datetime, until: datetime, bucket: Bucket
) -> Activity:
    def period(at: datetime) -> date:
        return bucket.start_of(at.date())

    shopping = [
        tx for tx in transactions if since <= tx.created_at < until and tx.type in (TxType.RECHARGE, TxType.PURCHASE)
    ]
    joined = [u for u in users if since <= u.created_at < until]
    keys = {period(tx.created_at) for tx in shopping} | {period(u.created_at) for u in joined}
    periods = {}
    for key in keys:
        txs = [tx for tx in shopping if period(tx.created_at) == key]
        done = [tx for tx in txs if tx.status is TxStatus.COMPLETED]
        purchases = [tx for tx in txs if tx.type is TxType.PURCHASE]
        by_status: dict[str, int] = {}
        for tx in purchases:
            by_status[tx.status.value] = by_status.get(tx.status.value, 0) + 1
        periods[key] = ActivityFigures(
            recharged=sum((tx.amount.amount for tx in done if tx.type is TxType.RECHARGE), Decimal(0)),
            sales=sum((tx.amount.amount for tx in done if tx.type is TxType.PURCHASE), Decimal(0)),
            stars=sum(tx.stars or 0 for tx in done if tx.type is TxType.PURCHASE),
            purchases_by_status=by_status,
            new_users=sum(1 for u in joined if period(u.created_at) == key),
            active_users=len({tx.user_id for tx in txs}),
        )
    return Activity(periods=periods, active_users=len({tx.user_id for tx in shopping}))
