"""Promo codes and their uses; a use is counted under the code's row lock, and the database refuses more uses than
allowed and a second use by one user of a code usable once per user."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution, is_unique_violation
from starshop.adapters.sqla.rows import promo_from_row, promo_to_row
from starshop.application.errors import PromoCodeExists
from starshop.application.ports import PromoRedemption
from starshop.domain import Currency, PromoAlreadyUsed, PromoCode


def _currency(code: PromoCode) -> Currency:
    money = code.amount or code.max_discount
    assert money is not None  # every code has one or the other
    return money.currency


class SqlaPromoCodeRepository:
    def __init__(self, x: Execution) -> None:
        self._x = x

    async def add(self, code: PromoCode) -> None:
        try:
            async with self._x.savepoint():
                await self._x.run(q.INSERT_PROMO, promo_to_row(code, _currency(code)))
        except IntegrityError as exc:
            if is_unique_violation(exc):
                msg = f"promo code {code.code} already exists"
                raise PromoCodeExists(msg) from exc
            raise

    async def get(self, code: str, *, lock: bool = False) -> PromoCode | None:
        row = await self._x.first(q.PROMO_BY_CODE[lock], {"code": code})
        return promo_from_row(row) if row else None

    async def update(self, code: PromoCode) -> None:
        values = promo_to_row(code, _currency(code))
        values["p_code"] = values.pop("code")
        if await self._x.run(q.UPDATE_PROMO, values) == 0:
            msg = f"no promo code {code.code} to update"
            raise KeyError(msg)

    async def list(self, *, limit: int, offset: int) -> list[PromoCode]:
        return [promo_from_row(row) for row in await self._x.rows(q.PROMO_PAGE, {"limit": limit, "offset": offset})]

    async def used_by(self, code: str, user_id: int) -> bool:
        return await self._x.first(q.PROMO_USED_BY, {"code": code, "user_id": user_id}) is not None

    async def add_redemption(self, redemption: PromoRedemption) -> None:
        row = {
            "code": redemption.code,
            "user_id": redemption.user_id,
            "tx_id": redemption.tx_id,
            "once_per_user": redemption.once_per_user,
            "redeemed_at": redemption.at,
        }
        try:
            async with self._x.savepoint():
                await self._x.run(q.INSERT_REDEMPTION, row)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                msg = f"you have already used promo code {redemption.code}"
                raise PromoAlreadyUsed(msg) from exc
            raise
