"""Request bodies and the JSON shape of our objects. Money travels as decimal strings, never numbers.

A money string is exact: ASCII digits, an optional point followed by at least one digit, nothing else (no sign,
exponent, spaces, underscores or other scripts' digits); more decimals than the currency has are refused by
``Money.of``. Star counts are JSON integers. Every string has a bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from msgspec import Meta

from starshop.domain import Balance, Money, Transaction

AMOUNT_PATTERN = r"^(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?$"
Amount = Annotated[str, Meta(pattern=AMOUNT_PATTERN, description='an exact decimal string, e.g. "10.50"')]
Stars = Annotated[int, Meta(ge=1, le=10_000_000)]
Reason = Annotated[str, Meta(min_length=1, max_length=500)]


@dataclass(frozen=True)
class RechargeBody:
    amount: Amount


@dataclass(frozen=True)
class PurchaseBody:
    stars: Stars
    recipient: Annotated[str, Meta(min_length=1, max_length=64)]
    pay_with: Literal["balance", "invoice"] = "balance"


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


def money(value: Money) -> str:
    return format(value.amount, "f")


def balance_json(balance: Balance) -> dict[str, Any]:
    return {
        "amount": money(balance.amount),
        "held": money(balance.held),
        "available": money(balance.available),
        "currency": balance.currency.code,
    }


def tx_json(tx: Transaction, *, operator: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": tx.id,
        "type": tx.type.value,
        "status": tx.status.value,
        "amount": money(tx.amount),
        "currency": tx.amount.currency.code,
        "description": tx.description,
        "created_at": tx.created_at.isoformat(),
        "updated_at": tx.updated_at.isoformat(),
    }
    if tx.stars is not None:
        data |= {"stars": tx.stars, "recipient": tx.recipient, "pay_with": tx.pay_with and tx.pay_with.value}
        data["delivery_unknown"] = tx.outcome_unknown
    if tx.invoice is not None:
        data["invoice_url"] = tx.invoice.url
    if operator:
        data |= {
            "user_id": tx.user_id,
            "flag": tx.flag,
            "order_id": tx.order_id,
            "gateway_status": tx.gateway_status,
            "failure_reason": tx.failure_reason,
            "receipt": tx.receipt
            and {"ref_id": tx.receipt.ref_id, "tx_hash": tx.receipt.tx_hash, "cost": tx.receipt.cost},
            "actor": tx.actor,
        }
    return data
