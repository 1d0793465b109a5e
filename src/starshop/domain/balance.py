"""A user's balance: the amount owned and the part of it held for purchases in flight."""

from __future__ import annotations

import attrs

from starshop.domain.errors import BalanceInvariantViolated, InsufficientFunds, InvalidAmount
from starshop.domain.money import Currency, Money


def _positive(amount: Money, what: str) -> None:
    if not amount.is_positive:
        msg = f"{what} must be positive, got {amount}"
        raise InvalidAmount(msg)


@attrs.frozen
class Balance:
    """``available = amount - held``; the rules keep ``0 <= held <= amount``.

    Every operation returns a new ``Balance`` and refuses anything that would break the rules.
    """

    user_id: int
    amount: Money
    held: Money

    def __attrs_post_init__(self) -> None:
        if self.amount.currency != self.held.currency:
            msg = "amount and held must share a currency"
            raise BalanceInvariantViolated(msg)
        if self.amount.is_negative or self.held.is_negative or self.held > self.amount:
            msg = f"balance of user {self.user_id} would break 0 <= held <= amount ({self.held} / {self.amount})"
            raise BalanceInvariantViolated(msg)

    @classmethod
    def empty(cls, user_id: int, currency: Currency) -> Balance:
        return cls(user_id, Money.zero(currency), Money.zero(currency))

    @property
    def currency(self) -> Currency:
        return self.amount.currency

    @property
    def available(self) -> Money:
        return self.amount - self.held

    def credit(self, amount: Money) -> Balance:
        _positive(amount, "a credit")
        return attrs.evolve(self, amount=self.amount + amount)

    def debit(self, amount: Money) -> Balance:
        """Take money that is not held (a negative adjustment)."""
        _positive(amount, "a debit")
        self._require_available(amount)
        return attrs.evolve(self, amount=self.amount - amount)

    def hold(self, amount: Money) -> Balance:
        _positive(amount, "a hold")
        self._require_available(amount)
        return attrs.evolve(self, held=self.held + amount)

    def capture(self, amount: Money) -> Balance:
        """Spend held money: it leaves both the amount and the hold."""
        _positive(amount, "a capture")
        self._require_held(amount)
        return attrs.evolve(self, amount=self.amount - amount, held=self.held - amount)

    def release(self, amount: Money) -> Balance:
        """Give held money back to the available part."""
        _positive(amount, "a release")
        self._require_held(amount)
        return attrs.evolve(self, held=self.held - amount)

    def _require_available(self, amount: Money) -> None:
        if self.available < amount:
            msg = f"insufficient funds: {self.available} available, {amount} needed"
            raise InsufficientFunds(msg, missing=amount - self.available)

    def _require_held(self, amount: Money) -> None:
        if self.held < amount:
            msg = f"cannot take {amount} from a hold of {self.held}"
            raise BalanceInvariantViolated(msg)
