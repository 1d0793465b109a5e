"""Who invited whom; the primary key on the invited user refuses a second referrer, however many try at once."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution, is_unique_violation
from starshop.application.ports import ReferralTotals
from starshop.domain import Referral


class SqlaReferralRepository:
    def __init__(self, x: Execution) -> None:
        self._x = x

    async def of(self, user_id: int) -> Referral | None:
        row = await self._x.first(q.REFERRAL_OF, {"user_id": user_id})
        if row is None:
            return None
        return Referral(user_id=row["user_id"], referrer_id=row["referrer_id"], at=row["attributed_at"])

    async def add(self, referral: Referral) -> bool:
        row = {"user_id": referral.user_id, "referrer_id": referral.referrer_id, "attributed_at": referral.at}
        try:
            async with self._x.savepoint():
                await self._x.run(q.INSERT_REFERRAL, row)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                return False
            raise
        return True

    async def purchased(self, user_id: int) -> bool:
        return await self._x.first(q.HAS_PURCHASED, {"user_id": user_id}) is not None

    async def totals(self, referrer_id: int) -> ReferralTotals:
        invited = await self._x.first(q.INVITED, {"user_id": referrer_id})
        rewards = await self._x.rows(q.REWARDS, {"user_id": referrer_id})
        return ReferralTotals(
            invited=int(invited["invited"]) if invited else 0,
            earned=sum((Decimal(r["amount"]) for r in rewards), Decimal(0)),
        )
