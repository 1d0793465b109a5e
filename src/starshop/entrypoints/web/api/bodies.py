"""Request bodies, decoded strictly. Money travels as decimal strings, never numbers.

A money string is exact: ASCII digits, an optional point followed by at least one digit, nothing else (no sign,
exponent, spaces, underscores or other scripts' digits); more decimals than the currency has are refused by
``Money.of``. Star counts are JSON integers. Every string has a bound.

Litestar converts bodies leniently (``"100"`` becomes the integer 100); ``strict_body`` runs before a handler and
refuses a body that would only fit its declared type after such a coercion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from msgspec import Meta

AMOUNT_PATTERN = r"^(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?$"
Amount = Annotated[str, Meta(pattern=AMOUNT_PATTERN, description='an exact decimal string, e.g. "10.50"')]
Stars = Annotated[int, Meta(ge=1, le=10_000_000)]
Reason = Annotated[str, Meta(min_length=1, max_length=500)]


@dataclass(frozen=True)
class RechargeBody:
    amount: Amount


PromoCodeText = Annotated[str, Meta(min_length=1, max_length=64, description="a promo code, any case")]


@dataclass(frozen=True)
class PurchaseBody:
    """``stars`` (the default ``product``), or ``product: "premium"`` with ``months`` (3, 6 or 12) and no stars."""

    recipient: Annotated[str, Meta(min_length=1, max_length=64)]
    product: Literal["stars", "premium"] = "stars"
    stars: Stars | None = None
    months: Annotated[int, Meta(ge=1, le=120, description="3, 6 or 12: months of Telegram Premium")] | None = None
    pay_with: Literal["balance", "invoice"] = "balance"
    promo_code: PromoCodeText | None = None


@dataclass(frozen=True)
class PromoCodeBody:
    """A new promo code: ``bonus`` with ``amount``, or ``discount`` with ``percent`` and its cap ``max_discount``."""

    code: PromoCodeText
    kind: Literal["bonus", "discount"]
    amount: Amount | None = None
    percent: Annotated[str, Meta(pattern=r"^(0|[1-9][0-9]?)(\.[0-9]{1,2})?$")] | None = None
    max_discount: Amount | None = None
    max_uses: Annotated[int, Meta(ge=1, le=1_000_000_000)] | None = None
    once_per_user: bool = True
    expires_at: Annotated[str, Meta(max_length=40, description="ISO 8601 with its UTC offset")] | None = None


@dataclass(frozen=True)
class ResolveBody:
    """An operator's verdict on a purchase whose delivery outcome is unknown."""

    outcome: Literal["delivered", "refused"]
    reason: Reason
    ref_id: Annotated[str, Meta(min_length=1, max_length=128)] | None = None


@dataclass(frozen=True)
class OperatorMoneyBody:
    amount: Annotated[str, Meta(pattern=r"^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?$")]
    reason: Reason


_FIELD = re.compile(r"at `\$\.(\w+)|field `(\w+)`")


async def strict_body(request: Request[Any, Any, Any]) -> None:
    """Refuses (422) a JSON body whose values would only fit the declared body type after coercion."""
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None or not await request.body():
        return
    try:
        body = await request.json()
    except msgspec.DecodeError:  # Litestar answers the undecodable body itself
        return
    try:
        msgspec.convert(body, data.annotation, strict=True)
    except msgspec.ValidationError as exc:
        found = _FIELD.search(str(exc))
        field = (found.group(1) or found.group(2)) if found else "body"
        extra = [{"key": field, "message": str(exc).split(" - at ")[0]}]
        raise ValidationException(detail="the request is invalid", extra=extra) from None
