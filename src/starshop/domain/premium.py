"""Telegram Premium gifts: what a purchase buys (a product) and the prices of the months the shop sells."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum

import attrs

from starshop.domain.errors import InvalidAmount, InvalidPremiumMonths, PremiumNotSold
from starshop.domain.money import Currency, Money

PREMIUM_MONTHS = (3, 6, 12)
_PAIR = re.compile(r"(?P<months>[1-9][0-9]?):(?P<price>(0|[1-9][0-9]{0,11})(\.[0-9]{1,18})?)")


class Product(StrEnum):
    """What a purchase buys: ``stars``, or months of Telegram ``premium`` given to the recipient."""

    STARS = "stars"
    PREMIUM = "premium"


def check_months(months: object) -> int:
    """3, 6 or 12 as a whole number; anything else is refused."""
    if isinstance(months, bool) or not isinstance(months, int) or months not in PREMIUM_MONTHS:
        msg = f"Telegram Premium is given for 3, 6 or 12 months, not {months!r}"
        raise InvalidPremiumMonths(msg)
    return months


def _prices(value: Mapping[int, Decimal]) -> dict[int, Decimal]:
    return {check_months(months): value[months] for months in sorted(value)}


def parse_prices(text: str) -> dict[int, Decimal]:
    """``3:12.99,6:16.99,12:29.99``: months (3, 6 or 12, each at most once) and exact decimal prices, comma-separated;
    blank is no prices at all. Anything else (a sign, an exponent, an empty item, other months) is refused."""
    prices: dict[int, Decimal] = {}
    for part in text.split(",") if text.strip() else ():
        pair = _PAIR.fullmatch(part.strip())
        if pair is None:
            msg = f"{part.strip()[:40]!r} is not months:price (e.g. 3:12.99)"
            raise InvalidAmount(msg)
        months = check_months(int(pair["months"]))
        if months in prices:
            msg = f"{months} months are priced twice"
            raise InvalidAmount(msg)
        prices[months] = Decimal(pair["price"])
    return prices


def prices_text(prices: Mapping[int, Decimal]) -> str:
    """The canonical text of ``prices`` (``parse_prices`` reads it back): ``3:12.99,6:16.99``, months ascending, plain
    decimals without trailing zeros; no prices: ``""``."""
    return ",".join(f"{m}:{format(prices[m].normalize(), 'f')}" for m in sorted(prices))


@attrs.frozen(kw_only=True)
class PremiumPrices:
    """The price of each number of months the shop sells; no prices: Premium is not sold."""

    currency: Currency
    prices: Mapping[int, Decimal] = attrs.field(factory=dict, converter=_prices)

    def __attrs_post_init__(self) -> None:
        for months, price in self.prices.items():
            if isinstance(price, bool) or not isinstance(price, Decimal) or not price.is_finite() or price <= 0:
                msg = f"the price of {months} months of Premium must be a positive Decimal, got {price!r}"
                raise InvalidAmount(msg)
            Money.of(price, self.currency)  # fits the currency's scale exactly, or is refused

    @classmethod
    def parse(cls, text: str, currency: Currency) -> PremiumPrices:
        """``3:12.99,6:16.99,12:29.99`` (see ``parse_prices``) in ``currency``; empty: Premium is not sold."""
        return cls(currency=currency, prices=parse_prices(text))

    @property
    def text(self) -> str:
        """The canonical text (``prices_text``); ``""``: not sold."""
        return prices_text(self.prices)

    @property
    def sold(self) -> bool:
        return bool(self.prices)

    @property
    def offered(self) -> tuple[int, ...]:
        """The numbers of months on sale, shortest first."""
        return tuple(self.prices)

    def price(self, months: object) -> Money:
        months = check_months(months)
        if not self.sold:
            msg = "Telegram Premium is not sold here"
            raise PremiumNotSold(msg)
        if months not in self.prices:
            offered = ", ".join(str(m) for m in self.offered)
            msg = f"{months} months of Premium are not sold here (on sale: {offered} months)"
            raise InvalidPremiumMonths(msg)
        return Money.of(self.prices[months], self.currency)
