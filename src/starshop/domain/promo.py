"""Promo codes: a bonus code credits an amount; a discount code takes a percent off one purchase, up to a cap.

A code is matched without regard to case (``launch10`` is ``LAUNCH10``) and is plain ASCII, so two codes that
look alike on screen are never two different codes.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import attrs

from starshop.domain.errors import (
    InvalidPromoCode,
    PromoAlreadyUsed,
    PromoDisabled,
    PromoExpired,
    PromoNotApplicable,
    PromoUsedUp,
)
from starshop.domain.money import Money

CODE_MAX = 32
_CODE = re.compile(rf"[A-Z0-9][A-Z0-9_-]{{2,{CODE_MAX - 1}}}")
_PERCENT = re.compile(r"(0|[1-9][0-9]?)(\.[0-9]{1,2})?")


class PromoKind(StrEnum):
    BONUS = "bonus"
    DISCOUNT = "discount"


def normalise_code(raw: object) -> str:
    """A code as it is stored: 3-32 ASCII letters, digits, ``_`` or ``-``, upper case. Anything else is refused
    before any lookup (other scripts' letters, spaces inside, control characters, oversized input)."""
    if not isinstance(raw, str) or len(raw) > 4 * CODE_MAX:
        msg = "a promo code is 3-32 letters, digits, _ or -"
        raise InvalidPromoCode(msg)
    text = raw.strip()
    if not text.isascii() or not _CODE.fullmatch(text.upper()):
        msg = "a promo code is 3-32 letters, digits, _ or -"
        raise InvalidPromoCode(msg)
    return text.upper()


def _percent(value: Decimal) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or not _PERCENT.fullmatch(format(value, "f")):
        msg = f"a discount is a percent with at most two decimals, got {value}"
        raise InvalidPromoCode(msg)
    if not Decimal(0) < value < Decimal(100):
        msg = f"a discount is more than 0 and less than 100 percent, got {value}"
        raise InvalidPromoCode(msg)
    return value


@attrs.frozen(kw_only=True)
class PromoCode:
    """``amount`` for a bonus code; ``percent`` and ``max_discount`` (the cap) for a discount code. ``max_uses``
    ``None`` is unlimited; ``once_per_user`` lets each user use it once; ``disabled_at`` set by an operator ends it
    for good."""

    code: str
    kind: PromoKind
    created_at: datetime
    created_by: int
    amount: Money | None = None
    percent: Decimal | None = None
    max_discount: Money | None = None
    max_uses: int | None = None
    uses: int = 0
    once_per_user: bool = True
    expires_at: datetime | None = None
    disabled_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        if normalise_code(self.code) != self.code:
            msg = f"{self.code!r} is not a stored promo code"
            raise InvalidPromoCode(msg)
        if self.kind is PromoKind.BONUS:
            if self.amount is None or not self.amount.is_positive or self.percent is not None:
                msg = "a bonus code credits a positive amount and gives no discount"
                raise InvalidPromoCode(msg)
        else:
            if self.percent is None or self.amount is not None:
                msg = "a discount code takes a percent off and credits nothing"
                raise InvalidPromoCode(msg)
            _percent(self.percent)
            if self.max_discount is None or not self.max_discount.is_positive:
                msg = "a discount code needs a positive cap"
                raise InvalidPromoCode(msg)
        if self.max_uses is not None and self.max_uses < 1:
            msg = f"a promo code is usable at least once, got max_uses {self.max_uses}"
            raise InvalidPromoCode(msg)
        if self.uses < 0 or (self.max_uses is not None and self.uses > self.max_uses):
            msg = f"promo code {self.code} has {self.uses} uses of {self.max_uses}"
            raise InvalidPromoCode(msg)

    @property
    def credit(self) -> Money:
        """What a bonus code credits."""
        if self.kind is not PromoKind.BONUS or self.amount is None:
            msg = f"{self.code} is a discount code: it is given with a purchase, not redeemed"
            raise PromoNotApplicable(msg)
        return self.amount

    def discount(self, price: Money) -> Money:
        """What a discount code takes off ``price``: its percent, rounded down, at most its cap (the price stays
        positive: the percent is below 100)."""
        if self.kind is not PromoKind.DISCOUNT or self.percent is None or self.max_discount is None:
            msg = f"{self.code} is a bonus code: redeem it, it gives no discount"
            raise PromoNotApplicable(msg)
        off = Money.rounded_down(price.amount * self.percent / 100, price.currency)
        return min(off, self.max_discount) if self.max_discount.currency == price.currency else off

    def check_usable(self, now: datetime, *, used_by_user: bool) -> None:
        """Refuses, with the reason, a use now by a user who has (``used_by_user``) or has not used it before."""
        if self.disabled_at is not None:
            msg = f"promo code {self.code} is no longer valid"
            raise PromoDisabled(msg)
        if self.expires_at is not None and now >= self.expires_at:
            msg = f"promo code {self.code} has expired"
            raise PromoExpired(msg)
        if self.once_per_user and used_by_user:
            msg = f"you have already used promo code {self.code}"
            raise PromoAlreadyUsed(msg)
        if self.max_uses is not None and self.uses >= self.max_uses:
            msg = f"promo code {self.code} has been used up"
            raise PromoUsedUp(msg)

    def used(self, now: datetime, *, used_by_user: bool) -> PromoCode:
        """One more use, if it may be used now (``check_usable``)."""
        self.check_usable(now, used_by_user=used_by_user)
        return attrs.evolve(self, uses=self.uses + 1)

    def disabled(self, at: datetime) -> PromoCode:
        return self if self.disabled_at is not None else attrs.evolve(self, disabled_at=at)
