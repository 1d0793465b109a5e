from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

import attrs

from starshop.application.config import ShopConfig
from starshop.application.errors import ApplicationError
from starshop.application.ports import ActivityFigures, Bucket, Clock, TransactionReader
from starshop.domain import Money, TxStatus

MAX_DAYS = 366
DEFAULT_DAYS = 30
PURCHASE_STATUSES = tuple(s.value for s in TxStatus)


class InvalidStatsRange(ApplicationError):
    code = "invalid_range"


@attrs.frozen(kw_only=True)
class StatsRange:
    """Whole UTC days from ``first`` to ``last``, both included; ``None``: the last 30 days up to today."""

    first: date | None = None
    last: date | None = None
    bucket: Bucket = Bucket.DAY


@attrs.frozen(kw_only=True)
class PeriodFigures:
    recharged: Money
    sales: Money
    stars: int
    purchases_by_status: Mapping[str, int]
    new_users: int
    active_users: int


@attrs.frozen(kw_only=True)
class Period:
    first: date
    last: date
    figures: PeriodFigures


@attrs.frozen(kw_only=True)
class ShopActivity:
    first: date
    last: date
    bucket: Bucket
    periods: list[Period]
    totals: PeriodFigures


class GetShopActivity:
    """The shop's activity over a range of days, cut into days or ISO weeks, with its totals.

    Rules: days are UTC; the range is at most 366 days and ``last`` is not before ``first``; a week that the range
    cuts is clipped to it; every period of the range is listed, empty ones with zeros; each total is the sum of
    its periods except ``active_users``, the distinct users of the whole range. Money is the ledger's exact sum.
    """

    def __init__(self, reader: TransactionReader, config: ShopConfig, clock: Clock) -> None:
        self._reader = reader
        self._config = config
        self._clock = clock

    async def __call__(self, wanted: StatsRange) -> ShopActivity:
        first, last = self._bounds(wanted)
        since = datetime.combine(first, time(), tzinfo=UTC)
        until = datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)
        activity = await self._reader.activity(since=since, until=until, bucket=wanted.bucket)
        periods = [
            Period(first=start, last=end, figures=self._figures(activity.periods.get(key, ActivityFigures())))
            for key, start, end in _periods(first, last, wanted.bucket)
        ]
        totals = self._figures(_sum(list(activity.periods.values())))
        totals = attrs.evolve(totals, active_users=activity.active_users)
        return ShopActivity(first=first, last=last, bucket=wanted.bucket, periods=periods, totals=totals)

    def _bounds(self, wanted: StatsRange) -> tuple[date, date]:
        last = wanted.last or (wanted.first + timedelta(days=DEFAULT_DAYS - 1) if wanted.first else None)
        last = last or self._clock.now().astimezone(UTC).date()
        first = wanted.first or last - timedelta(days=DEFAULT_DAYS - 1)
        if last >= date.max:
            msg = f"the range ends too late ({last})"
            raise InvalidStatsRange(msg)
        if last < first:
            msg = f"the range ends ({last}) before it starts ({first})"
            raise InvalidStatsRange(msg)
        if (last - first).days + 1 > MAX_DAYS:
            msg = f"the range spans {(last - first).days + 1} days; at most {MAX_DAYS}"
            raise InvalidStatsRange(msg)
        return first, last

    def _figures(self, raw: ActivityFigures) -> PeriodFigures:
        currency = self._config.currency
        by_status = {status: int(raw.purchases_by_status.get(status, 0)) for status in PURCHASE_STATUSES}
        return PeriodFigures(
            recharged=Money.of(raw.recharged, currency),
            sales=Money.of(raw.sales, currency),
            stars=raw.stars,
            purchases_by_status=by_status,
            new_users=raw.new_users,
            active_users=raw.active_users,
        )


def _periods(first: date, last: date, bucket: Bucket) -> list[tuple[date, date, date]]:
    """(key, first day, last day) of every period of the range, clipped to it."""
    step = timedelta(days=1 if bucket is Bucket.DAY else 7)
    found = []
    key = bucket.start_of(first)
    while key <= last:
        found.append((key, max(key, first), min(key + step - timedelta(days=1), last)))
        key += step
    return found


def _sum(parts: list[ActivityFigures]) -> ActivityFigures:
    by_status: dict[str, int] = {}
    for part in parts:
        for status, n in part.purchases_by_status.items():
            by_status[status] = by_status.get(status, 0) + n
    return ActivityFigures(
        recharged=sum((p.recharged for p in parts), ActivityFigures().recharged),
        sales=sum((p.sales for p in parts), ActivityFigures().sales),
        stars=sum(p.stars for p in parts),
        purchases_by_status=by_status,
        new_users=sum(p.new_users for p in parts),
        active_users=0,
    )
