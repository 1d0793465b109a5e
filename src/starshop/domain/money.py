"""Exact money: a ``Decimal`` amount in a currency of fixed scale. Floats are refused outright."""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import ClassVar

import attrs

from starshop.domain.errors import CurrencyMismatch, InvalidMoney

# What a person types as an amount: ASCII digits, an optional sign and point. No exponent ("1e3"), no "NaN",
# no "_" separators, no spaces, no digits of other scripts (Arabic-Indic five), all of which ``Decimal()`` would accept.
PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]{1,30}(\.[0-9]{1,30})?")


@attrs.frozen
class Currency:
    code: str
    scale: int

    KNOWN: ClassVar[dict[str, int]] = {
        "USD": 2,
        "EUR": 2,
        "RUB": 2,
        "USDT": 2,
        "USDC": 2,
        "TON": 9,
        "BTC": 8,
        "ETH": 18,
    }

    @classmethod
    def of(cls, code: str) -> Currency:
        upper = code.upper()
        if upper not in cls.KNOWN:
            msg = f"unknown currency {code!r}"
            raise InvalidMoney(msg)
        return cls(upper, cls.KNOWN[upper])

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.scale)

    def __str__(self) -> str:
        return self.code


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, (bool, float)):
        msg = f"money cannot be made from {type(value).__name__} {value!r}; use Decimal or str"
        raise InvalidMoney(msg)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, (int, str)):
        try:
            result = Decimal(value)
        except InvalidOperation:
            msg = f"not a number: {value!r}"
            raise InvalidMoney(msg) from None
    else:
        msg = f"money cannot be made from {type(value).__name__}"
        raise InvalidMoney(msg)
    if not result.is_finite():
        msg = f"money must be finite, got {value!r}"
        raise InvalidMoney(msg)
    return result


def _quantized(value: object, currency: Currency, rounding: str) -> Decimal:
    try:
        return _to_decimal(value).quantize(currency.quantum, rounding=rounding)
    except InvalidOperation:
        msg = f"{value!r} is too large an amount"
        raise InvalidMoney(msg) from None


def _check_amount(instance: Money, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        msg = f"money amount must be a finite Decimal, got {value!r}"
        raise InvalidMoney(msg)
    try:
        exact = value == value.quantize(instance.currency.quantum, rounding=ROUND_FLOOR)
    except InvalidOperation:
        msg = f"{value} is too large an amount"
        raise InvalidMoney(msg) from None
    if not exact:
        msg = f"{value} has more than {instance.currency.scale} decimal places for {instance.currency}"
        raise InvalidMoney(msg)


@attrs.frozen(order=False)
class Money:
    """An exact amount. ``Money.of("1.50", usd)`` is exact; more decimals than the scale are refused."""

    amount: Decimal = attrs.field(validator=_check_amount)
    currency: Currency

    def __attrs_post_init__(self) -> None:
        # Normalise the exponent so equal amounts print alike (1.5 -> 1.50).
        object.__setattr__(self, "amount", self.amount.quantize(self.currency.quantum))

    @classmethod
    def of(cls, value: object, currency: Currency) -> Money:
        return cls(_to_decimal(value), currency)

    @classmethod
    def parse(cls, text: str, currency: Currency) -> Money:
        """An amount written in plain decimal notation, with at most the currency's decimals."""
        if not isinstance(text, str) or not PLAIN_DECIMAL.fullmatch(text):
            msg = f"not a plain decimal amount: {text!r}"
            raise InvalidMoney(msg)
        return cls.of(text, currency)

    @classmethod
    def zero(cls, currency: Currency) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def rounded_up(cls, value: object, currency: Currency) -> Money:
        """What a customer is charged: any fraction of the smallest unit rounds up."""
        return cls(_quantized(value, currency, ROUND_CEILING), currency)

    @classmethod
    def rounded_down(cls, value: object, currency: Currency) -> Money:
        """What the shop credits: any fraction of the smallest unit is dropped."""
        return cls(_quantized(value, currency, ROUND_FLOOR), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            msg = f"cannot combine money with {type(other).__name__}"
            raise InvalidMoney(msg)
        if other.currency != self.currency:
            msg = f"cannot combine {self.currency} with {other.currency}"
            raise CurrencyMismatch(msg)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{self.amount:f} {self.currency}"
