"""Promo codes and their uses in memory (the store's lock already counts uses one at a time)."""

from __future__ import annotations

from starshop.application.errors import PromoCodeExists
from starshop.application.ports import PromoRedemption
from starshop.domain import PromoAlreadyUsed, PromoCode


class InMemoryPromoCodes:
    def __init__(self, codes: dict[str, PromoCode], redemptions: list[PromoRedemption]) -> None:
        self._codes = codes
        self._redemptions = redemptions

    async def add(self, code: PromoCode) -> None:
        if code.code in self._codes:
            msg = f"promo code {code.code} already exists"
            raise PromoCodeExists(msg)
        self._codes[code.code] = code

    async def get(self, code: str, *, lock: bool = False) -> PromoCode | None:
        return self._codes.get(code)

    async def update(self, code: PromoCode) -> None:
        if code.code not in self._codes:
            msg = f"no promo code {code.code} to update"
            raise KeyError(msg)
        self._codes[code.code] = code

    async def list(self, *, limit: int, offset: int) -> list[PromoCode]:
        newest = sorted(self._codes.values(), key=lambda c: (c.created_at, c.code), reverse=True)
        return newest[offset : offset + limit]

    async def used_by(self, code: str, user_id: int) -> bool:
        return any(r.code == code and r.user_id == user_id for r in self._redemptions)

    async def add_redemption(self, redemption: PromoRedemption) -> None:
        if redemption.once_per_user and await self.used_by(redemption.code, redemption.user_id):
            msg = f"you have already used promo code {redemption.code}"
            raise PromoAlreadyUsed(msg)
        self._redemptions.append(redemption)
