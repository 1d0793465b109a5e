"""Domain errors: every refusal the rules can give, each with a stable machine-readable code."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation. ``code`` is stable; the message is for people."""

    code = "domain_error"


class InvalidMoney(DomainError):
    code = "invalid_money"


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"


class InvalidAmount(DomainError):
    code = "invalid_amount"


class InsufficientFunds(DomainError):
    code = "insufficient_funds"

    def __init__(self, msg: str, *, missing: object = None) -> None:
        super().__init__(msg)
        self.missing = missing


class BalanceInvariantViolated(DomainError):
    code = "balance_invariant"


class IllegalTransition(DomainError):
    code = "illegal_transition"


class InvalidStarAmount(DomainError):
    code = "invalid_star_amount"


class InvalidRecipient(DomainError):
    code = "invalid_recipient"


class DailyLimitExceeded(DomainError):
    code = "daily_limit_exceeded"
