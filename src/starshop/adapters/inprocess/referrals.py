"""Who invited whom, in memory (the store's lock already makes one attribution at a time)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from starshop.application.ports import ReferralTotals
from starshop.domain import Referral, Transaction, TxStatus, TxType


class InMemoryReferrals:
    def __init__(self, referrals: dict[int, Referral], transactions: Mapping[str, Transaction]) -> None:
        self._referrals = referrals
        self._transactions = transactions

    async def of(self, user_id: int) -> Referral | None:
        return self._referrals.get(user_id)

    async def add(self, referral: Referral) -> bool:
        if referral.user_id in self._referrals:
            return False
        self._referrals[referral.user_id] = referral
        return True

    async def purchased(self, user_id: int) -> bool:
        return any(tx.user_id == user_id and tx.type is TxType.PURCHASE for tx in self._transactions.values())

    async def totals(self, referrer_id: int) -> ReferralTotals:
        invited = sum(1 for r in self._referrals.values() if r.referrer_id == referrer_id)
        earned = sum(
            (
                tx.amount.amount
                for tx in self._transactions.values()
                if tx.user_id == referrer_id and tx.type is TxType.REFERRAL and tx.status is TxStatus.COMPLETED
            ),
            Decimal(0),
        )
        return ReferralTotals(invited=invited, earned=earned)
