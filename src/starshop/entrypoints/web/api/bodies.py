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
from litestar.exceptions import ClientException, SerializationException, ValidationException
from msgspec import Meta

from starshop.entrypoints.web.api.views import SettingName

AMOUNT_PATTERN = r"^(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?$"
Amount = Annotated[str, Meta(pattern=AMOUNT_PATTERN, description='an exact decimal string, e.g. "10.50"')]
Stars = Annotated[int, Meta(ge=1, le=10_000_000)]
Reason = Annotated[str, Meta(min_length=1, max_length=500)]


@dataclass(frozen=True)
class RechargeBody:
    amount: Amount


PromoCodeText = Annotated[str, Meta(min_length=1, max_length=64, description="a promo code, any case")]


@dataclass(frozen=True)
class LanguageBody:
    language: Literal["en", "ru"]


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
    except (msgspec.DecodeError, SerializationException):  # not JSON: a 400, as the API documents
        raise ClientException(detail="the body is not JSON") from None
    try:
        msgspec.convert(body, data.annotation, strict=True)
    except msgspec.ValidationError as exc:
        found = _FIELD.search(str(exc))
        field = (found.group(1) or found.group(2)) if found else "body"
        extra = [{"key": field, "message": str(exc).split(" - at ")[0]}]
        raise ValidationException(detail="the request is invalid", extra=extra) from None


SettingStars = Annotated[int, Meta(ge=1, le=10_000_000)]


@dataclass(frozen=True)
class SettingsBody:
    """A partial change of the shop's settings: only the fields given change; ``reset`` lists settings that go back
    to their configured default. Decimals travel as strings; the ranges are the domain's (``invalid_setting``)."""

    price_per_star: Amount | None = None
    markup: Amount | None = None
    min_stars: SettingStars | None = None
    max_stars: SettingStars | None = None
    wallet_floor: Amount | None = None
    maintenance: bool | None = None
    maintenance_message: Annotated[str, Meta(min_length=1, max_length=500)] | None = None
    premium_prices: Annotated[str, Meta(max_length=64)] | None = None  # "3:12.99,6:16.99"; "": Premium not sold
    reset: Annotated[tuple[SettingName, ...], Meta(max_length=8)] = ()

    def edits(self) -> dict[str, str | None]:
        """Each setting given, as the text the domain parses; each reset one as ``None``."""
        given: dict[str, str | None] = {}
        for name, value in vars(self).items():
            if name == "reset" or value is None:
                continue
            given[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return given | dict.fromkeys(self.reset)


@dataclass(frozen=True)
class BroadcastBody:
    """A broadcast: ``text`` in Telegram's HTML subset, an optional link button (both its text and an https URL),
    and the segment (every criterion left out is off)."""

    text: Annotated[str, Meta(min_length=1, max_length=16_384, description="b, i, u, s, a href, code, pre, ...")]
    button_text: Annotated[str, Meta(max_length=64)] | None = None
    button_url: Annotated[str, Meta(max_length=2048)] | None = None
    language: Annotated[str, Meta(max_length=16, description="a language code such as en or pt-br")] | None = None
    active_days: Annotated[int, Meta(ge=1, le=3650)] | None = None
    with_balance: bool = False
