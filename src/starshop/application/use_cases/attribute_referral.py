from __future__ import annotations

import attrs

from starshop.application.errors import UnknownUser
from starshop.application.ports import Clock, UnitOfWork
from starshop.domain import Attribution, Referral, attribution, referrer_id


@attrs.frozen(kw_only=True)
class ReferralArrival:
    """``user_id`` arrived through the referral link with ``code`` (the ``ref_<code>`` start payload's code)."""

    user_id: int
    code: str


class AttributeReferral:
    """A registered user who arrives with a referral code is attributed to its owner, once.

    - Never to themselves, never to a code of nobody, never a second time (the store keeps one referrer per user,
      however many arrive at once), never once they have placed a purchase, and only to a user who joined before
      them. What became of the arrival is the answer; nothing else changes.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, arrival: ReferralArrival) -> Attribution:
        async with self._uow as uow:
            user = await uow.users.get(arrival.user_id)
            if user is None:
                msg = f"user {arrival.user_id} is not registered"
                raise UnknownUser(msg)
            owner = referrer_id(arrival.code)
            referrer = await uow.users.get(owner) if owner is not None else None
            verdict = attribution(
                user,
                referrer,
                referred=await uow.referrals.of(user.user_id) is not None,
                purchased=await uow.referrals.purchased(user.user_id),
            )
            if verdict is not Attribution.ATTRIBUTED or referrer is None:
                return verdict
            added = await uow.referrals.add(
                Referral(user_id=user.user_id, referrer_id=referrer.user_id, at=self._clock.now())
            )
            if not added:
                return Attribution.ALREADY_REFERRED
            await uow.commit()
        return Attribution.ATTRIBUTED
