"""The dashboard's figures (TransactionReader.activity through GetShopActivity) equal the ledger, on memory, SQLite
and Postgres: the same journal rows, summed by hand here, per UTC day and ISO week, edges of days included."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from sqla_support import USD, Persistence, purchase, recharge, usd, user

from starshop.application.config import ShopConfig
from starshop.application.ports import Bucket, TransactionFilter
from starshop.application.use_cases.get_shop_activity import GetShopActivity, InvalidStatsRange, StatsRange
from starshop.domain import Transaction, TxStatus, TxType
from starshop.testing.doubles import FixedClock

START = datetime(2026, 3, 1, tzinfo=UTC)  # a Sunday
STATUSES = list(TxStatus)


def _moment(rng: random.Random) -> datetime:
    """Somewhere in 25 days from START, often on the very edge of a UTC day."""
    day = START + timedelta(days=rng.randrange(25))
    edge = rng.choice(["start", "end", "any"])
    if edge == "start":
        return day
    if edge == "end":
        return day + timedelta(days=1) - timedelta(microseconds=1)
    return day + timedelta(seconds=rng.randrange(86_400))


def _journal(seed: int) -> tuple[list[datetime], list[Transaction]]:
    rng = random.Random(seed)
    joined = [_moment(rng) for _ in range(12)]
    txs: list[Transaction] = []
    for n in range(80):
        owner = rng.randrange(1, 13)
        at, status = _moment(rng), rng.choice(STATUSES)
        cents = Decimal(rng.randrange(1, 100_000)) / 100
        if n % 3:
            stars = rng.choice([50, 100, 250, 1000])
            recipient = f"Someone{n:03d}"  # one purchase of those stars to them in flight at most
            tx = purchase(f"p{n}", owner, status=status, amount=usd(str(cents)), stars=stars, recipient=recipient)
            txs.append(attrs.evolve(tx, created_at=at))
        else:
            txs.append(recharge(f"r{n}", owner, status=status, amount=usd(str(cents)), created_at=at))
    bonus = Transaction(
        id="b1", user_id=1, type=TxType.BONUS, status=TxStatus.COMPLETED, amount=usd("5.00"), created_at=START,
        updated_at=START,
    )  # fmt: skip
    return joined, [*txs, bonus]


async def _load(p: Persistence, joined: list[datetime], txs: list[Transaction]) -> None:
    async with p.uow() as uow:
        for user_id, at in enumerate(joined, start=1):
            await uow.users.upsert(user(user_id, created_at=at, updated_at=at))
            await uow.balances.ensure(user_id, USD)
        for tx in txs:
            await uow.transactions.add(tx)
        await uow.commit()


async def _ledger(p: Persistence) -> list[Transaction]:
    page = await p.reader.search(TransactionFilter(), limit=1000, offset=0)
    return list(page.items)


def _expected(ledger: list[Transaction], joined: list[datetime], first: date, last: date) -> dict[str, object]:
    """The figures of a range of days, straight from the journal rows."""

    def inside(at: datetime) -> bool:
        return first <= at.astimezone(UTC).date() <= last

    rows = [tx for tx in ledger if inside(tx.created_at) and tx.type in (TxType.RECHARGE, TxType.PURCHASE)]
    done = [tx for tx in rows if tx.status is TxStatus.COMPLETED]
    purchases = [tx for tx in rows if tx.type is TxType.PURCHASE]
    return {
        "recharged": sum((tx.amount.amount for tx in done if tx.type is TxType.RECHARGE), Decimal(0)),
        "sales": sum((tx.amount.amount for tx in done if tx.type is TxType.PURCHASE), Decimal(0)),
        "stars": sum(tx.stars or 0 for tx in done if tx.type is TxType.PURCHASE),
        "purchases": {s.value: sum(1 for tx in purchases if tx.status is s) for s in TxStatus},
        "new_users": sum(1 for at in joined if inside(at)),
        "active_users": len({tx.user_id for tx in rows}),
    }


def _figures(f: object) -> dict[str, object]:
    return {
        "recharged": f.recharged.amount,  # type: ignore[attr-defined]
        "sales": f.sales.amount,  # type: ignore[attr-defined]
        "stars": f.stars,  # type: ignore[attr-defined]
        "purchases": dict(f.purchases_by_status),  # type: ignore[attr-defined]
        "new_users": f.new_users,  # type: ignore[attr-defined]
        "active_users": f.active_users,  # type: ignore[attr-defined]
    }


def _use_case(p: Persistence) -> GetShopActivity:
    config = ShopConfig(currency=USD, min_recharge=usd("1.00"), max_recharge=usd("1000.00"))
    return GetShopActivity(p.reader, config, FixedClock(datetime(2026, 3, 20, 9, tzinfo=UTC)))


@pytest.mark.parametrize("seed", [1, 2])
async def test_every_day_of_the_range_equals_the_ledger(persistence: Persistence, seed: int) -> None:
    joined, txs = _journal(seed)
    await _load(persistence, joined, txs)
    ledger = await _ledger(persistence)
    first, last = date(2026, 3, 2), date(2026, 3, 22)
    activity = await _use_case(persistence)(StatsRange(first=first, last=last, bucket=Bucket.DAY))
    assert [p.first for p in activity.periods] == [first + timedelta(days=n) for n in range(21)]
    assert all(p.first == p.last for p in activity.periods)
    for period in activity.periods:
        assert _figures(period.figures) == _expected(ledger, joined, period.first, period.last), period.first
    assert _figures(activity.totals) == _expected(ledger, joined, first, last)


@pytest.mark.parametrize("seed", [3, 4])
async def test_iso_weeks_clipped_to_the_range_equal_the_ledger(persistence: Persistence, seed: int) -> None:
    joined, txs = _journal(seed)
    await _load(persistence, joined, txs)
    ledger = await _ledger(persistence)
    first, last = date(2026, 3, 1), date(2026, 3, 25)  # a Sunday to a Wednesday
    activity = await _use_case(persistence)(StatsRange(first=first, last=last, bucket=Bucket.WEEK))
    assert [(p.first, p.last) for p in activity.periods] == [
        (date(2026, 3, 1), date(2026, 3, 1)),
        (date(2026, 3, 2), date(2026, 3, 8)),
        (date(2026, 3, 9), date(2026, 3, 15)),
        (date(2026, 3, 16), date(2026, 3, 22)),
        (date(2026, 3, 23), date(2026, 3, 25)),
    ]
    for period in activity.periods:
        assert _figures(period.figures) == _expected(ledger, joined, period.first, period.last), period.first
    assert _figures(activity.totals) == _expected(ledger, joined, first, last)


async def test_an_empty_range_has_zeros_and_the_default_is_the_30_days_up_to_today(persistence: Persistence) -> None:
    activity = await _use_case(persistence)(StatsRange())
    assert (activity.first, activity.last) == (date(2026, 2, 19), date(2026, 3, 20))
    assert len(activity.periods) == 30
    assert _figures(activity.totals) == {
        "recharged": Decimal("0.00"),
        "sales": Decimal("0.00"),
        "stars": 0,
        "purchases": {s.value: 0 for s in TxStatus},
        "new_users": 0,
        "active_users": 0,
    }


@pytest.mark.parametrize(
    ("first", "last"),
    [(date(2026, 3, 2), date(2026, 3, 1)), (date(2025, 1, 1), date(2026, 1, 2)), (date(9999, 12, 1), date.max)],
)
async def test_a_backwards_too_long_or_endless_range_is_refused(
    persistence: Persistence, first: date, last: date
) -> None:
    with pytest.raises(InvalidStatsRange):
        await _use_case(persistence)(StatsRange(first=first, last=last))
