from __future__ import annotations

from starshop.application.errors import UnknownPromoCode
from starshop.application.ports import Clock, UnitOfWork
from starshop.domain import PromoCode, normalise_code


class DisablePromoCode:
    """An operator ends a promo code for good: no use after this commit (uses are counted under the code's lock).
    Disabling it again changes nothing."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, code: str) -> PromoCode:
        name = normalise_code(code)
        async with self._uow as uow:
            found = await uow.promo_codes.get(name, lock=True)
            if found is None:
                msg = f"no promo code {name}"
                raise UnknownPromoCode(msg)
            disabled = found.disabled(self._clock.now())
            if disabled is not found:
                await uow.promo_codes.update(disabled)
                await uow.commit()
        return disabled
