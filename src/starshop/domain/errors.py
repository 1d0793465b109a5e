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


class InvalidPromoCode(DomainError):
    """Not a promo code at all (its text), or terms that make no code."""

    code = "promo_code_invalid"


class PromoNotApplicable(DomainError):
    """A discount code redeemed for a credit, or a bonus code given with a purchase."""

    code = "promo_code_not_applicable"


class PromoDisabled(DomainError):
    code = "promo_code_disabled"


class PromoExpired(DomainError):
    code = "promo_code_expired"


class PromoUsedUp(DomainError):
    code = "promo_code_used_up"


class PromoAlreadyUsed(DomainError):
    code = "promo_code_already_used"


class InvalidSetting(DomainError):
    """A shop setting an operator gave that the rules refuse (unknown, malformed or out of range)."""

    code = "invalid_setting"


class SalesSuspended(DomainError):
    """The shop is in maintenance: no purchase is created; the message is the operator's."""

    code = "maintenance"


class InvalidBroadcast(DomainError):
    """A broadcast's message, button or segment that cannot be sent as given."""

    code = "broadcast_invalid"


class UnsupportedLanguage(DomainError):
    code = "unsupported_language"


class InvalidPremiumMonths(DomainError):
    """Telegram Premium is given for 3, 6 or 12 months, nothing else."""

    code = "invalid_premium_months"


class PremiumNotSold(DomainError):
    """The shop sells no Telegram Premium (no prices are configured)."""

    code = "premium_not_sold"
