from __future__ import annotations

from decimal import Decimal

import attrs

from starshop.application.config import ShopConfig
from starshop.application.ports import UnitOfWork
from starshop.domain import Money, referral_code


@attrs.frozen(kw_only=True)
class ReferralSummary:
    """A user's referral code, how many users they invited, and what their rewards credited so far."""

    code: str
    invited: int
    earned: Money
    percent: Decimal  # what a referred purchase earns now, in percent of its price (0: rewards are off)


class GetReferrals:
    """A user's referral code and what it brought them (a read; changes nothing)."""

    def __init__(self, uow: UnitOfWork, config: ShopConfig) -> None:
        self._uow = uow
        self._config = config

    async def __call__(self, user_id: int) -> ReferralSummary:
        async with self._uow as uow:
            totals = await uow.referrals.totals(user_id)
        return ReferralSummary(
            code=referral_code(user_id),
            invited=totals.invited,
            earned=self._config.currency_money(totals.earned),
            percent=self._config.referral_percent,
        )
