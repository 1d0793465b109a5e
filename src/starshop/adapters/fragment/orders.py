"""Reading the service's answers: purchase receipts and ``/getOrders`` rows, from foreign JSON to our model."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from starshop.domain import PREMIUM_MONTHS, DeliveryReceipt

_MILLISECONDS_FROM = 100_000_000_000  # as seconds that would be the year 5138


def as_decimal(value: object) -> Decimal | None:
    """JSON numbers arrive as ``Decimal`` (floats) or ``int``; a numeric string is accepted too."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def as_int(value: object) -> int | None:
    number = as_decimal(value)
    return int(number) if number is not None and number == number.to_integral_value() else None


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 string or unix seconds (milliseconds too); a naive time is taken as UTC."""
    if isinstance(value, str) and as_decimal(value) is None:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return as_utc(moment)
    seconds = as_decimal(value)
    if seconds is None:
        return None
    if seconds > _MILLISECONDS_FROM:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(int(seconds), tz=UTC).replace(microsecond=int(seconds % 1 * 1_000_000))
    except (OverflowError, OSError, ValueError):
        return None


def same_user(left: str, right: str) -> bool:
    return left.strip().lstrip("@").casefold() == right.strip().lstrip("@").casefold()


def receipt_from(payload: Mapping[str, Any], *, hash_key: str) -> DeliveryReceipt | None:
    """``None`` when the payload names no ``ref_id``."""
    ref_id = payload.get("ref_id")
    if not isinstance(ref_id, str) or not ref_id:
        return None
    tx_hash = payload.get(hash_key)
    cost = as_decimal(payload.get("cost"))
    return DeliveryReceipt(
        ref_id=ref_id,
        tx_hash=tx_hash if isinstance(tx_hash, str) and tx_hash else None,
        cost=format(cost, "f") if cost is not None else None,
    )


@attrs.frozen(kw_only=True)
class OrderRow:
    """One ``/getOrders`` row that names a ref, a recipient, a time and what was bought: stars (``amount``), or
    Telegram Premium (``duration``, 3, 6 or 12 months, kept as ``months``; its ``amount`` is absent or null).
    Other rows are skipped."""

    username: str
    amount: int | None
    created_at: datetime
    receipt: DeliveryReceipt
    months: int | None = None

    @classmethod
    def from_payload(cls, row: object) -> OrderRow | None:
        if not isinstance(row, Mapping):
            return None
        username, created_at = row.get("username"), parse_time(row.get("created_at"))
        amount, months = as_int(row.get("amount")), None
        if row.get("duration") is not None:
            months, amount = as_int(row.get("duration")), None
            if months not in PREMIUM_MONTHS or row.get("amount") is not None:
                return None
        receipt = receipt_from(row, hash_key="txid")
        if not isinstance(username, str) or (amount, months) == (None, None) or created_at is None or receipt is None:
            return None
        return cls(username=username, amount=amount, months=months, created_at=created_at, receipt=receipt)
