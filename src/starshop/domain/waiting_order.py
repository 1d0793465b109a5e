"""An order waiting for its top-up: bought with the balance refused for lack of money, placed once the top-up of
the missing amount is credited."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from starshop.domain.errors import IllegalTransition
from starshop.domain.money import Money


class OrderState(StrEnum):
    WAITING = "waiting"  # its top-up is not credited yet, or the placement has not run
    PLACED = "placed"  # the purchase was made (``purchase_id``)
    DROPPED = "dropped"  # never placed (``reason``); the top-up stays on the balance


class DropReason(StrEnum):
    NOT_PAID = "not_paid"  # the top-up expired, was cancelled or underpaid
    PRICE_CHANGED = "price_changed"  # the price is now above the one the user confirmed
    INSUFFICIENT_FUNDS = "insufficient_funds"  # the balance does not cover the price
    REFUSED = "refused"  # the purchase was refused for another reason (recipient, limits, sales paused)
    TOO_LATE = "too_late"  # its top-up was credited, but it could not be placed in the time allowed


@attrs.frozen(kw_only=True)
class WaitingOrder:
    """``stars`` for ``recipient`` at most at ``price`` (what the user confirmed), waiting for the recharge
    ``recharge_id`` of the same user. Its purchase is made under ``idempotency_key``, so it is made once."""

    recharge_id: str
    user_id: int
    stars: int
    recipient: str
    price: Money
    created_at: datetime
    updated_at: datetime
    state: OrderState = OrderState.WAITING
    purchase_id: str | None = None
    reason: str | None = None

    @property
    def idempotency_key(self) -> str:
        return f"order-{self.recharge_id}"

    def placed(self, purchase_id: str, at: datetime) -> WaitingOrder:
        """The purchase exists: that is final, even over a drop decided a moment before it was committed."""
        if self.state is OrderState.PLACED and self.purchase_id != purchase_id:
            msg = f"order {self.recharge_id} was placed as {self.purchase_id}, not {purchase_id}"
            raise IllegalTransition(msg)
        return attrs.evolve(self, state=OrderState.PLACED, purchase_id=purchase_id, reason=None, updated_at=at)

    def retried(self, at: datetime) -> WaitingOrder:
        """Queued again by the sweep at ``at`` (its task was lost): the next try is a while after this one."""
        if self.state is not OrderState.WAITING:
            msg = f"order {self.recharge_id} is {self.state}: it is not placed again"
            raise IllegalTransition(msg)
        return attrs.evolve(self, updated_at=at)

    def dropped(self, reason: DropReason, at: datetime) -> WaitingOrder:
        if self.state is not OrderState.WAITING:
            msg = f"order {self.recharge_id} is {self.state}: it cannot be dropped"
            raise IllegalTransition(msg)
        return attrs.evolve(self, state=OrderState.DROPPED, reason=reason.value, updated_at=at)
