"""Texts built from domain objects."""

from __future__ import annotations

from datetime import datetime

from starshop.adapters.telegram.i18n import text
from starshop.domain import Balance, Product, Transaction, TxType


def when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def balance(lang: str, b: Balance) -> str:
    return text(lang, "balance", amount=b.amount, available=b.available, held=b.held)


def tx_label(lang: str, tx: Transaction) -> str:
    if tx.type is TxType.PURCHASE and tx.product is Product.PREMIUM:
        return text(lang, "tx_purchase_premium", months=tx.months, recipient=tx.recipient)
    if tx.type is TxType.PURCHASE:
        return text(lang, "tx_purchase", stars=tx.stars, recipient=tx.recipient)
    return text(lang, f"tx_{tx.type.value}")


def tx_line(lang: str, tx: Transaction) -> str:
    effect = tx.ledger_effect
    sign = "−" if effect.is_negative else "+"  # noqa: RUF001  (a real minus sign)
    amount = f"{sign}{abs(effect.amount):f} {effect.currency}"
    status = text(lang, f"st_{tx.status.value}")
    return f"{tx.created_at:%d.%m %H:%M} · {tx_label(lang, tx)} · {amount} · {status}"
