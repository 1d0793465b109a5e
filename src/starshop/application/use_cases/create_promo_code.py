from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from starshop.application.config import ShopConfig
from starshop.application.errors import PromoCodeExists
from starshop.application.ports import Clock, UnitOfWork
from starshop.application.use_cases._operator import check_ceiling
from starshop.domain import CurrencyMismatch, InvalidPromoCode, Money, PromoCode, PromoKind, normalise_code


@attrs.frozen(kw_only=True)
class NewPromoCode:
    operator_id: int
    code: str
    kind: PromoKind
    amount: Money | None = None
    percent: Decimal | None = None
    max_discount: Money | None = None
    max_uses: int | None = None
    once_per_user: bool = True
    expires_at: datetime | None = None


class CreatePromoCode:
    """An operator creates a promo code.

    - The code is normalised (upper case ASCII, 3-32 characters) and unique: a taken code is refused, never
      overwritten.
    - A bonus code credits a positive amount of at most the operator ceiling; a discount code takes 0-100 % (both
      excluded) off one purchase, at most its positive cap. Amounts are in the shop's currency.
    - An expiry must lie in the future.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, config: ShopConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config

    async def __call__(self, data: NewPromoCode) -> PromoCode:
        now = self._clock.now()
        for money in (data.amount, data.max_discount):
            if money is not None and money.currency != self._config.currency:
                msg = f"promo codes are in {self._config.currency}, not {money.currency}"
                raise CurrencyMismatch(msg)
        if data.amount is not None:
            check_ceiling(data.amount, self._config)
        if data.expires_at is not None and data.expires_at <= now:
            msg = "a promo code's expiry must lie in the future"
            raise InvalidPromoCode(msg)
        code = PromoCode(
            code=normalise_code(data.code),
            kind=data.kind,
            amount=data.amount,
            percent=data.percent,
            max_discount=data.max_discount,
            max_uses=data.max_uses,
            once_per_user=data.once_per_user,
            expires_at=data.expires_at,
            created_at=now,
            created_by=data.operator_id,
        )
        async with self._uow as uow:
            if await uow.promo_codes.get(code.code) is not None:
                msg = f"promo code {code.code} already exists"
                raise PromoCodeExists(msg)
            await uow.promo_codes.add(code)
            await uow.commit()
        return code
