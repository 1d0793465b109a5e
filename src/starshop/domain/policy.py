"""Purchase rules: how many stars, to whom, at what price, how often."""

from __future__ import annotations

import re
from decimal import Decimal

import attrs

from starshop.domain.errors import DailyLimitExceeded, InvalidAmount, InvalidRecipient, InvalidStarAmount
from starshop.domain.money import Currency, Money

MIN_STARS = 50  # Fragment sells no fewer: the floor of every policy's ``min_stars``
_USERNAME = re.compile(r"[A-Za-z0-9_]{5,32}")
_LINK = re.compile(r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/(?P<name>[^/?#]+)/?", re.IGNORECASE)


def normalise_recipient(raw: str) -> str:
    """``name``, ``@name`` or ``https://t.me/name`` becomes ``name``; anything else is refused."""
    text = raw.strip()
    link = _LINK.fullmatch(text)
    if link:
        text = link.group("name")
    elif text.startswith("@"):
        text = text[1:]
    if not _USERNAME.fullmatch(text):
        msg = f"{raw!r} is not a Telegram username (5-32 letters, digits or _)"
        raise InvalidRecipient(msg)
    return text


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, float | bool) or not isinstance(value, (Decimal, int, str)):
        msg = f"{what} must be a Decimal, int or str, not {type(value).__name__}"
        raise InvalidAmount(msg)
    try:
        result = Decimal(value)
    except ArithmeticError:
        msg = f"{what} is not a number: {value!r}"
        raise InvalidAmount(msg) from None
    if not result.is_finite():
        msg = f"{what} must be finite"
        raise InvalidAmount(msg)
    return result


def _price_per_star(value: object) -> Decimal:
    return _decimal(value, "price per star")


def _markup(value: object) -> Decimal:
    return _decimal(value, "markup")


@attrs.frozen(kw_only=True)
class DailyUsage:
    """What a user already bought today (purchases not failed)."""

    purchases: int = 0
    stars: int = 0


@attrs.frozen(kw_only=True)
class PurchasePolicy:
    """Quantity bounds, price and per-user daily limits. ``markup`` is a fraction: ``0.1`` is 10 %.

    ``min_stars`` may be raised above ``MIN_STARS`` (Fragment's minimum), never lowered below it."""

    currency: Currency
    price_per_star: Decimal = attrs.field(converter=_price_per_star)
    markup: Decimal = attrs.field(default=Decimal(0), converter=_markup)
    min_stars: int = MIN_STARS
    max_stars: int = 10_000
    daily_purchases: int | None = None
    daily_stars: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.price_per_star <= 0:
            msg = "price per star must be positive"
            raise InvalidAmount(msg)
        if self.markup < 0:
            msg = "markup must not be negative"
            raise InvalidAmount(msg)
        for name, value in (("min stars", self.min_stars), ("max stars", self.max_stars)):
            if isinstance(value, bool) or not isinstance(value, int):
                msg = f"{name} must be a whole number, got {value!r}"
                raise InvalidStarAmount(msg)
        if self.min_stars < MIN_STARS:
            msg = f"min stars must be at least {MIN_STARS} (Fragment's minimum), got {self.min_stars}"
            raise InvalidStarAmount(msg)
        if self.max_stars < self.min_stars:
            msg = f"max stars must be at least min stars ({self.min_stars}), got {self.max_stars}"
            raise InvalidStarAmount(msg)

    def check_stars(self, stars: object) -> int:
        if isinstance(stars, bool) or not isinstance(stars, int):
            msg = f"stars must be a whole number, got {stars!r}"
            raise InvalidStarAmount(msg)
        if stars < self.min_stars:
            msg = f"at least {self.min_stars} stars per purchase, got {stars}"
            raise InvalidStarAmount(msg)
        if stars > self.max_stars:
            msg = f"at most {self.max_stars} stars per purchase, got {stars}"
            raise InvalidStarAmount(msg)
        return stars

    def price(self, stars: int) -> Money:
        """stars x price per star x (1 + markup), rounded up to the currency's smallest unit."""
        stars = self.check_stars(stars)
        return Money.rounded_up(Decimal(stars) * self.price_per_star * (1 + self.markup), self.currency)

    def check_daily(self, usage: DailyUsage, stars: int) -> None:
        if self.daily_purchases is not None and usage.purchases + 1 > self.daily_purchases:
            msg = f"daily limit of {self.daily_purchases} purchases reached"
            raise DailyLimitExceeded(msg)
        if self.daily_stars is not None and usage.stars + stars > self.daily_stars:
            left = max(self.daily_stars - usage.stars, 0)
            msg = f"daily limit of {self.daily_stars} stars: {left} left today"
            raise DailyLimitExceeded(msg)
