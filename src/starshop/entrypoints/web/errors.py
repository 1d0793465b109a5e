"""The one error mapping of the HTTP side: ``{"error": {"code": ..., "message": ...}}`` with a stable code.

Validation errors add ``fields``: ``[{"field": "amount", "message": ...}]``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from starshop.domain import DomainError
from starshop.entrypoints.web.auth import Forbidden, Unauthorized

log = logging.getLogger("starshop.web")

STATUS_BY_CODE = {
    "unknown_user": 404,
    "unknown_transaction": 404,
    "unknown_alert": 404,
    "unknown_outbox_message": 404,
    "idempotency_conflict": 409,
    "price_above_confirmed": 409,
    "insufficient_funds": 409,
    "rate_limited": 429,
    "sales_paused": 503,
    "maintenance": 503,
    "payment_gateway_unavailable": 503,
    "payment_gateway_refused": 502,
    "illegal_transition": 409,
    "already_settled": 409,
    "not_settleable": 409,
    "order_found": 409,
    "order_not_found": 409,
    "provider_lookup_failed": 409,
    "promo_code_unknown": 404,
    "premium_not_sold": 404,
    "promo_code_exists": 409,
    "promo_code_disabled": 410,
    "promo_code_expired": 410,
    "promo_code_used_up": 409,
    "promo_code_already_used": 409,
    "unknown_broadcast": 404,
    "broadcast_not_sending": 409,
}


class RequestRefused(Exception):
    """A request the HTTP layer refuses before any use case runs (a missing header, a bad key); ``extra`` joins
    the error object (``fields=[...]``)."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.extra = status, code, extra


def request_refused(_: Request[Any, Any, Any], exc: RequestRefused) -> Response[Any]:
    return error_response(exc.status, exc.code, str(exc), **exc.extra)


def error_response(status: int, code: str, message: str, **extra: Any) -> Response[Any]:
    return Response({"error": {"code": code, "message": message, **extra}}, status_code=status)


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    extra: dict[str, Any] = {}
    missing = getattr(exc, "missing", None)
    if missing is not None:
        extra["missing"] = format(missing.amount, "f")
    return error_response(STATUS_BY_CODE.get(exc.code, 422), exc.code, str(exc), **extra)


def auth_error(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status = 403 if isinstance(exc, Forbidden) else 401
    return error_response(status, getattr(exc, "code", "unauthorized"), str(exc))


def _field(item: dict[str, Any]) -> str:
    """Litestar names a missing body field only in its message (``missing required field `amount```)."""
    key = str(item.get("key") or "")
    if key in ("", "data"):
        named = re.search(r"`([^`]+)`", str(item.get("message", "")))
        return named.group(1) if named else "body"
    return key.removeprefix("data.")


def validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    fields = [
        {"field": _field(item), "message": item.get("message", "invalid")}
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict)
    ]
    return error_response(422, "validation_error", "the request is invalid", fields=fields)


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, exc.detail)


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "something went wrong on our side; it has been logged")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    RequestRefused: request_refused,
    DomainError: domain_error,
    Unauthorized: auth_error,
    Forbidden: auth_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
