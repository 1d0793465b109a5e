"""The pure core: money, balances, the transaction state machine and purchase rules.

Imports only the standard library and attrs: no clock, no ids, no I/O.
"""

from starshop.domain.balance import Balance
from starshop.domain.errors import (
    BalanceInvariantViolated,
    CurrencyMismatch,
    DailyLimitExceeded,
    DomainError,
    IllegalTransition,
    InsufficientFunds,
    InvalidAmount,
    InvalidMoney,
    InvalidPromoCode,
    InvalidRecipient,
    InvalidStarAmount,
    PromoAlreadyUsed,
    PromoDisabled,
    PromoExpired,
    PromoNotApplicable,
    PromoUsedUp,
)
from starshop.domain.money import PLAIN_DECIMAL, Currency, Money
from starshop.domain.payment import PaymentStatus, UnderpaymentPolicy
from starshop.domain.policy import MIN_STARS, DailyUsage, PurchasePolicy, normalise_recipient
from starshop.domain.promo import PromoCode, PromoKind, normalise_code
from starshop.domain.referral import (
    START_PREFIX,
    Attribution,
    Referral,
    attribution,
    code_of_start,
    joined_before,
    referral_code,
    referral_reward,
    referrer_id,
)
from starshop.domain.transaction import (
    DeliveryReceipt,
    Invoice,
    InvoiceTerms,
    PayWith,
    PurchaseDetails,
    Transaction,
    TxStatus,
    TxType,
    can_move,
)
from starshop.domain.user import MAX_USER_ID, User
from starshop.domain.waiting_order import DropReason, OrderState, WaitingOrder

__all__ = [
    "MAX_USER_ID",
    "MIN_STARS",
    "PLAIN_DECIMAL",
    "START_PREFIX",
    "Attribution",
    "Balance",
    "BalanceInvariantViolated",
    "Currency",
    "CurrencyMismatch",
    "DailyLimitExceeded",
    "DailyUsage",
    "DeliveryReceipt",
    "DomainError",
    "DropReason",
    "IllegalTransition",
    "InsufficientFunds",
    "InvalidAmount",
    "InvalidMoney",
    "InvalidPromoCode",
    "InvalidRecipient",
    "InvalidStarAmount",
    "Invoice",
    "InvoiceTerms",
    "Money",
    "OrderState",
    "PayWith",
    "PaymentStatus",
    "PromoAlreadyUsed",
    "PromoCode",
    "PromoDisabled",
    "PromoExpired",
    "PromoKind",
    "PromoNotApplicable",
    "PromoUsedUp",
    "PurchaseDetails",
    "PurchasePolicy",
    "Referral",
    "Transaction",
    "TxStatus",
    "TxType",
    "UnderpaymentPolicy",
    "User",
    "WaitingOrder",
    "attribution",
    "can_move",
    "code_of_start",
    "joined_before",
    "normalise_code",
    "normalise_recipient",
    "referral_code",
    "referral_reward",
    "referrer_id",
]
