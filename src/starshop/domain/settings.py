"""The shop's settings at run time: what an operator overrides over the configured defaults, and the rules.

A setting not overridden takes its default (``STARSHOP_*``). Overrides are stored as text, one entry per known key
(``SettingKey``); a key this release does not know (a newer release's) is kept as stored and otherwise ignored.
Adding a setting is one more key, one more field of ``Overrides`` and its codec in ``_CODECS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

import attrs

from starshop.domain.errors import DomainError, InvalidSetting, SalesSuspended
from starshop.domain.policy import PurchasePolicy
from starshop.domain.premium import PremiumPrices, parse_prices, prices_text

MAX_PRICE_PER_STAR = Decimal(1000)
MAX_MARKUP = Decimal(10)  # 1000 %
MAX_STARS_CEILING = 1_000_000
MAX_MESSAGE = 500
_PLAIN_DECIMAL = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,18})?")
DEFAULT_MAINTENANCE_MESSAGE = "Sales are paused for maintenance. Please come back a little later."


class SettingKey(StrEnum):
    PRICE_PER_STAR = "price_per_star"
    MARKUP = "markup"
    MIN_STARS = "min_stars"
    MAX_STARS = "max_stars"
    WALLET_FLOOR = "wallet_floor"
    MAINTENANCE = "maintenance"
    MAINTENANCE_MESSAGE = "maintenance_message"
    PREMIUM_PRICES = "premium_prices"


def _decimal(text: str, key: str) -> Decimal:
    if not _PLAIN_DECIMAL.fullmatch(text):
        msg = f"{key} is not a plain decimal (like 0.015): {text[:40]!r}"
        raise InvalidSetting(msg)
    return Decimal(text)


def _integer(text: str, key: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        msg = f"{key} is not a whole number: {text!r}"
        raise InvalidSetting(msg)
    return int(text)


def _boolean(text: str, key: str) -> bool:
    if text not in ("true", "false"):
        msg = f"{key} is not true or false: {text!r}"
        raise InvalidSetting(msg)
    return text == "true"


def _message(text: str, key: str) -> str:
    cleaned = text.strip()
    if not 1 <= len(cleaned) <= MAX_MESSAGE or any(ord(c) < 32 and c != "\n" for c in cleaned):
        msg = f"{key} must be 1-{MAX_MESSAGE} printable characters"
        raise InvalidSetting(msg)
    return cleaned


def _premium_prices(text: str, key: str) -> dict[int, Decimal]:
    """``3:12.99,6:16.99,12:29.99`` (months:price); empty: Premium is not sold (an override like any other)."""
    try:
        return parse_prices(text)
    except DomainError as exc:
        msg = f"{key}: {exc}"
        raise InvalidSetting(msg) from exc


def _text_of(value: object) -> str:
    if isinstance(value, Mapping):  # Premium prices, canonical: months ascending, plain decimals
        return prices_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


_CODECS: dict[SettingKey, Callable[[str, str], Any]] = {
    SettingKey.PRICE_PER_STAR: _decimal,
    SettingKey.MARKUP: _decimal,
    SettingKey.MIN_STARS: _integer,
    SettingKey.MAX_STARS: _integer,
    SettingKey.WALLET_FLOOR: _decimal,
    SettingKey.MAINTENANCE: _boolean,
    SettingKey.MAINTENANCE_MESSAGE: _message,
    SettingKey.PREMIUM_PRICES: _premium_prices,
}


def setting_key(name: str) -> SettingKey:
    try:
        return SettingKey(name)
    except ValueError:
        msg = f"no setting {name[:64]!r}"
        raise InvalidSetting(msg) from None


@attrs.frozen(kw_only=True)
class SettingChange:
    """One key's move, as stored text; ``None``: not overridden (the default applies)."""

    key: SettingKey
    old: str | None
    new: str | None


@attrs.frozen(kw_only=True)
class Overrides:
    """What an operator set; ``None``: the default applies."""

    price_per_star: Decimal | None = None
    markup: Decimal | None = None
    min_stars: int | None = None
    max_stars: int | None = None
    wallet_floor: Decimal | None = None
    maintenance: bool | None = None
    maintenance_message: str | None = None
    premium_prices: Mapping[int, Decimal] | None = None  # empty: Premium is not sold

    @classmethod
    def from_stored(cls, stored: Mapping[str, str]) -> Overrides:
        """The known keys of a stored record (each parsed as when it was set); unknown ones are left out."""
        known = {k: _CODECS[k](v, k.value) for k in SettingKey if (v := stored.get(k.value)) is not None}
        return cls(**{k.value: v for k, v in known.items()})

    @classmethod
    def parse(cls, given: Mapping[str, str | None], base: Overrides | None = None) -> Overrides:
        """``base`` with the keys ``given`` as text (``None``: back to the default); an unknown key is refused."""
        changes = {}
        for name, text in given.items():
            key = setting_key(name)
            changes[key.value] = None if text is None else _CODECS[key](text, key.value)
        return attrs.evolve(base or cls(), **changes)

    def stored(self) -> dict[str, str]:
        return {k.value: _text_of(v) for k in SettingKey if (v := getattr(self, k.value)) is not None}

    def changes_to(self, new: Overrides) -> list[SettingChange]:
        old_text, new_text = self.stored(), new.stored()
        return [
            SettingChange(key=k, old=old_text.get(k.value), new=new_text.get(k.value))
            for k in SettingKey
            if old_text.get(k.value) != new_text.get(k.value)
        ]

    @property
    def overridden(self) -> list[SettingKey]:
        return [k for k in SettingKey if getattr(self, k.value) is not None]


@attrs.frozen(kw_only=True)
class Defaults:
    """The configured values (``STARSHOP_*``); ``premium`` not given: Premium is not sold (in the policy's currency)."""

    policy: PurchasePolicy
    wallet_floor: Decimal | None = None
    maintenance_message: str = DEFAULT_MAINTENANCE_MESSAGE
    premium: PremiumPrices = attrs.field(
        default=attrs.Factory(lambda self: PremiumPrices(currency=self.policy.currency), takes_self=True)
    )


def _bounded(value: Decimal, what: str, *, low: Decimal, high: Decimal | None = None) -> None:
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        msg = f"{what} must be {bound}, got {value}"
        raise InvalidSetting(msg)


@attrs.frozen(kw_only=True)
class ShopSettings:
    """The settings in force: the defaults with the overrides applied, checked together."""

    policy: PurchasePolicy
    wallet_floor: Decimal | None
    maintenance: bool
    maintenance_message: str
    premium: PremiumPrices
    overrides: Overrides
    defaults: Defaults

    @classmethod
    def of(cls, defaults: Defaults, overrides: Overrides) -> ShopSettings:
        o, base = overrides, defaults.policy
        if o.price_per_star is not None:
            _bounded(o.price_per_star, "price per star", low=Decimal("0.000001"), high=MAX_PRICE_PER_STAR)
        if o.markup is not None:
            _bounded(o.markup, "markup", low=Decimal(0), high=MAX_MARKUP)
        if o.max_stars is not None and o.max_stars > MAX_STARS_CEILING:
            msg = f"max stars must be at most {MAX_STARS_CEILING}, got {o.max_stars}"
            raise InvalidSetting(msg)
        if o.wallet_floor is not None:
            _bounded(o.wallet_floor, "wallet floor", low=Decimal(0))
        try:
            policy = attrs.evolve(
                base,
                price_per_star=base.price_per_star if o.price_per_star is None else o.price_per_star,
                markup=base.markup if o.markup is None else o.markup,
                min_stars=base.min_stars if o.min_stars is None else o.min_stars,
                max_stars=base.max_stars if o.max_stars is None else o.max_stars,
            )
            premium = (
                defaults.premium
                if o.premium_prices is None
                else PremiumPrices(currency=defaults.premium.currency, prices=o.premium_prices)
            )
        except InvalidSetting:
            raise
        except DomainError as exc:
            raise InvalidSetting(str(exc)) from exc
        return cls(
            policy=policy,
            wallet_floor=defaults.wallet_floor if o.wallet_floor is None else o.wallet_floor,
            maintenance=bool(o.maintenance),
            maintenance_message=o.maintenance_message or defaults.maintenance_message,
            premium=premium,
            overrides=o,
            defaults=defaults,
        )

    def check_open(self) -> None:
        """Refuses a new purchase while the shop is in maintenance, with the operator's message."""
        if self.maintenance:
            raise SalesSuspended(self.maintenance_message)
