"""Hypothesis strategies for the domain objects, for embedding developers' own property tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import strategies as st

from starshop.domain import MIN_STARS, Balance, Currency, Money, PurchasePolicy

USD = Currency.of("USD")

currencies = st.sampled_from([Currency.of(code) for code in Currency.KNOWN])
user_ids = st.integers(min_value=1, max_value=2**52)
usernames = st.from_regex(r"[A-Za-z0-9_]{5,32}", fullmatch=True)
recipients = usernames.flatmap(
    lambda name: st.sampled_from([name, f"@{name}", f"https://t.me/{name}", f"t.me/{name}", f"  @{name} "])
)
bad_usernames = st.one_of(
    st.text(max_size=4),
    st.from_regex(r"[A-Za-z0-9_]{33,40}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9_]{2,10}[ \-.!][A-Za-z0-9_]{2,10}", fullmatch=True),
)
datetimes = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))


def amounts(
    currency: Currency = USD, *, min_value: str = "0.01", max_value: str = "100000"
) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(min_value), max_value=Decimal(max_value), places=currency.scale)


def money(currency: Currency = USD, *, min_value: str = "0.01", max_value: str = "100000") -> st.SearchStrategy[Money]:
    return amounts(currency, min_value=min_value, max_value=max_value).map(lambda d: Money(d, currency))


def star_counts(max_stars: int = 10_000) -> st.SearchStrategy[int]:
    return st.integers(min_value=MIN_STARS, max_value=max_stars)


@st.composite
def balances(draw: st.DrawFn, currency: Currency = USD) -> Balance:
    amount = draw(money(currency, min_value="0"))
    held = draw(st.decimals(min_value=Decimal(0), max_value=amount.amount, places=currency.scale))
    return Balance(draw(user_ids), amount, Money(held, currency))


@st.composite
def policies(draw: st.DrawFn, currency: Currency = USD) -> PurchasePolicy:
    return PurchasePolicy(
        currency=currency,
        price_per_star=draw(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1), places=6)),
        markup=draw(st.decimals(min_value=Decimal(0), max_value=Decimal("0.5"), places=4)),
        max_stars=draw(st.integers(min_value=MIN_STARS, max_value=100_000)),
    )
