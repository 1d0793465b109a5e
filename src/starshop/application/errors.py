"""Application errors: refusals that need the outside world to decide (stored state, gateways, limits)."""

from __future__ import annotations

from starshop.domain.errors import DomainError


class ApplicationError(DomainError):
    code = "application_error"


class UnknownUser(ApplicationError):
    code = "unknown_user"


class InvalidQuery(ApplicationError):
    """A search an operator typed that is not a search of that kind (refused, never run)."""

    code = "invalid_query"


class UnknownTransaction(ApplicationError):
    code = "unknown_transaction"


class IdempotencyConflict(ApplicationError):
    """The same idempotency key was used before for a different request."""

    code = "idempotency_conflict"


class DuplicateTransaction(ApplicationError):
    """Raised by a repository when a unique key (idempotency key, order id) is already taken."""

    code = "duplicate_transaction"


class RateLimited(ApplicationError):
    code = "rate_limited"


class PriceAboveConfirmed(ApplicationError):
    """A purchase carrying the price its user confirmed (``max_price``) would cost more at the price in force: nothing
    is made (an order that waited for a top-up after an operator raised the price)."""

    code = "price_above_confirmed"


class SalesPaused(ApplicationError):
    """The delivery provider cannot deliver now (its wallet is below the floor); no money is taken."""

    code = "sales_paused"


class RecipientNotFound(ApplicationError):
    code = "recipient_not_found"


class PaymentGatewayUnavailable(ApplicationError):
    """Transport error, 5xx or open circuit: the outcome of the call is unknown and it may be retried."""

    code = "payment_gateway_unavailable"


class PaymentGatewayRefused(ApplicationError):
    """The gateway answered and said no (validation, bad signature, business error)."""

    code = "payment_gateway_refused"


class InvalidSignature(ApplicationError):
    code = "invalid_signature"


class MalformedNotification(ApplicationError):
    code = "malformed_notification"


class OperationNotAllowed(ApplicationError):
    code = "operation_not_allowed"


class OperatorLimitExceeded(ApplicationError):
    """An operator's bonus or adjustment is above the configured ceiling (``STARSHOP_OPERATOR_MAX_AMOUNT``)."""

    code = "operator_limit_exceeded"


class SettleRefused(ApplicationError):
    """An operator's verdict on a purchase that is refused; nothing changed."""

    code = "settle_refused"


class AlreadySettled(SettleRefused):
    code = "already_settled"


class NotSettleable(SettleRefused):
    """The purchase's outcome is not unknown, or its provider call may still land."""

    code = "not_settleable"


class ProviderHasOrder(SettleRefused):
    """A ``refused`` verdict, but the provider shows the order: the stars were bought."""

    code = "order_found"


class ProviderHasNoOrder(SettleRefused):
    """A ``delivered`` verdict without the provider's order to back it."""

    code = "order_not_found"


class ProviderLookupFailed(SettleRefused):
    """The provider's order history could not be read, so the verdict cannot be checked."""

    code = "provider_lookup_failed"


class UnknownPromoCode(ApplicationError):
    code = "promo_code_unknown"


class PromoCodeExists(ApplicationError):
    code = "promo_code_exists"


class UnknownAlert(ApplicationError):
    code = "unknown_alert"


class UnknownOutboxMessage(ApplicationError):
    code = "unknown_outbox_message"


class UnknownBroadcast(ApplicationError):
    code = "unknown_broadcast"


class DuplicateBroadcast(ApplicationError):
    """Raised by the repository when a broadcast's idempotency key is taken."""

    code = "duplicate_broadcast"


class BroadcastNotSending(ApplicationError):
    """Cancelling a broadcast that has already finished or been cancelled."""

    code = "broadcast_not_sending"
