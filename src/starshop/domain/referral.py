"""Referrals: every user's code, who may be attributed to whom, and the reward a referred purchase earns."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import attrs

from starshop.domain.errors import InvalidAmount
from starshop.domain.money import Money
from starshop.domain.user import MAX_USER_ID, User

START_PREFIX = "ref_"  # the bot's /start payload and the Mini App's start_param: ref_<code>
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_CODE = re.compile(r"[0-9a-z]{1,12}")


def referral_code(user_id: int) -> str:
    """A user's code: their id in base 36 (lower case), the same every time."""
    if not 0 < user_id <= MAX_USER_ID:
        msg = f"no referral code for user {user_id}"
        raise InvalidAmount(msg)
    digits = ""
    while user_id:
        user_id, rest = divmod(user_id, 36)
        digits = _DIGITS[rest] + digits
    return digits


def referrer_id(code: str) -> int | None:
    """The user whose code ``code`` is (any case), or ``None`` when it is no code."""
    code = code.strip().lower()
    if not _CODE.fullmatch(code):
        return None
    user_id = int(code, 36)
    return user_id if 0 < user_id <= MAX_USER_ID and referral_code(user_id) == code else None


def code_of_start(payload: str | None) -> str | None:
    """The referral code in a ``ref_<code>`` start payload or start_param, else ``None``."""
    if not payload or not payload.startswith(START_PREFIX):
        return None
    return payload.removeprefix(START_PREFIX) or None


class Attribution(StrEnum):
    """What became of a user arriving with a referral code."""

    ATTRIBUTED = "attributed"
    UNKNOWN_CODE = "unknown_code"
    OWN_CODE = "own_code"
    ALREADY_REFERRED = "already_referred"
    ALREADY_PURCHASED = "already_purchased"
    REFERRER_JOINED_LATER = "referrer_joined_later"


def joined_before(first: User, second: User) -> bool:
    """``first`` joined the shop before ``second`` (at the same instant: the smaller id first). Referrals only point
    back in this order, so a chain of referrers is never a cycle, and crediting a referrer after the buyer (the
    lock order of a reward) cannot deadlock."""
    return (first.created_at, first.user_id) < (second.created_at, second.user_id)


def attribution(user: User, referrer: User | None, *, referred: bool, purchased: bool) -> Attribution:
    """Whether ``user`` may be attributed to ``referrer`` (``None``: the code is nobody's), in this order: the code
    is a user's, not their own; the user has no referrer yet and has never placed a purchase; the referrer joined
    before them."""
    if referrer is None:
        return Attribution.UNKNOWN_CODE
    if referrer.user_id == user.user_id:
        return Attribution.OWN_CODE
    if referred:
        return Attribution.ALREADY_REFERRED
    if purchased:
        return Attribution.ALREADY_PURCHASED
    if not joined_before(referrer, user):
        return Attribution.REFERRER_JOINED_LATER
    return Attribution.ATTRIBUTED


@attrs.frozen(kw_only=True)
class Referral:
    """``user_id`` was invited by ``referrer_id`` (attributed at ``at``)."""

    user_id: int
    referrer_id: int
    at: datetime


def referral_reward(price: Money, percent: Decimal) -> Money:
    """``percent`` of a purchase's ``price``, rounded down to the currency's unit (what the shop credits)."""
    if not Decimal(0) <= percent < Decimal(100):
        msg = f"a referral reward is a percent from 0 to below 100, got {percent}"
        raise InvalidAmount(msg)
    return Money.rounded_down(price.amount * percent / 100, price.currency)
