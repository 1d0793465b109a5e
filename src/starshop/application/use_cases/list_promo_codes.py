from __future__ import annotations

from starshop.application.ports import UnitOfWork
from starshop.domain import PromoCode


class ListPromoCodes:
    """Promo codes with their uses, newest first, pages of at most 100."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, *, limit: int = 100, offset: int = 0) -> list[PromoCode]:
        async with self._uow as uow:
            return await uow.promo_codes.list(limit=max(1, min(limit, 100)), offset=max(offset, 0))
