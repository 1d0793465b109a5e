"""Converters between rows and domain objects: the one place that knows both shapes."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from starshop.domain import (
    Balance,
    Currency,
    DeliveryReceipt,
    Invoice,
    Money,
    OrderState,
    PayWith,
    Product,
    PromoCode,
    PromoKind,
    Transaction,
    TxStatus,
    TxType,
    User,
    WaitingOrder,
)


def money(value: Decimal, currency: Currency) -> Money:
    return Money.of(value.quantize(currency.quantum), currency)


def user_from_row(row: Mapping[Any, Any]) -> User:
    return User(
        user_id=row["user_id"],
        username=row["username"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        is_premium=bool(row["is_premium"]),
        language_code=row["language_code"],
        language=row["language"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        blocked_at=row.get("blocked_at"),
    )


def user_to_row(user: User) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_premium": user.is_premium,
        "language_code": user.language_code,
        "language": user.language,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "blocked_at": user.blocked_at,
    }


def balance_from_row(user_id: int, row: Mapping[Any, Any]) -> Balance:
    currency = Currency.of(row["currency"])
    return Balance(user_id, money(row["amount"], currency), money(row["held"], currency))


def tx_to_row(tx: Transaction) -> dict[str, Any]:
    invoice, receipt = tx.invoice, tx.receipt
    return {
        "id": tx.id,
        "user_id": tx.user_id,
        "type": tx.type.value,
        "status": tx.status.value,
        "amount": tx.amount.amount,
        "currency": tx.amount.currency.code,
        "description": tx.description,
        "idempotency_key": tx.idempotency_key,
        "request_fingerprint": tx.request_fingerprint,
        "flag": tx.flag,
        "order_id": tx.order_id,
        "invoice_uuid": invoice.uuid if invoice else None,
        "invoice_url": invoice.url if invoice else None,
        "invoice_expires_at": invoice.expires_at if invoice else None,
        "invoice_amount": tx.invoice_amount.amount if tx.invoice_amount else None,
        "expires_at": tx.expires_at,
        "gateway_status": tx.gateway_status,
        "checked_at": tx.checked_at,
        "purchase_id": tx.purchase_id,
        "product": tx.product.value if tx.type is TxType.PURCHASE else None,
        "months": tx.months,
        "stars": tx.stars,
        "recipient": tx.recipient,
        "pay_with": tx.pay_with.value if tx.pay_with else None,
        "funded": tx.funded,
        "attempt_started_at": tx.attempt_started_at,
        "outcome_unknown": tx.outcome_unknown,
        "receipt_ref": receipt.ref_id if receipt else None,
        "receipt_hash": receipt.tx_hash if receipt else None,
        "receipt_cost": receipt.cost if receipt else None,
        "failure_reason": tx.failure_reason,
        "actor": tx.actor,
        "promo_code": tx.promo_code,
        "discount": tx.discount.amount if tx.discount else None,
        "reward_for": tx.reward_for,
        "chat_message_id": tx.chat_message_id,
        "created_at": tx.created_at,
        "updated_at": tx.updated_at,
    }


def tx_from_row(row: Mapping[Any, Any]) -> Transaction:
    currency = Currency.of(row["currency"])
    invoice = None
    if row["invoice_uuid"] is not None:
        invoice = Invoice(uuid=row["invoice_uuid"], url=row["invoice_url"], expires_at=row["invoice_expires_at"])
    receipt = None
    if row["receipt_ref"] is not None:
        receipt = DeliveryReceipt(ref_id=row["receipt_ref"], tx_hash=row["receipt_hash"], cost=row["receipt_cost"])
    invoice_amount = row["invoice_amount"]
    return Transaction(
        id=row["id"],
        user_id=row["user_id"],
        type=TxType(row["type"]),
        status=TxStatus(row["status"]),
        amount=money(row["amount"], currency),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        description=row["description"],
        idempotency_key=row["idempotency_key"],
        request_fingerprint=row["request_fingerprint"],
        flag=row["flag"],
        order_id=row["order_id"],
        invoice=invoice,
        invoice_amount=money(invoice_amount, currency) if invoice_amount is not None else None,
        expires_at=row["expires_at"],
        gateway_status=row["gateway_status"],
        checked_at=row["checked_at"],
        purchase_id=row["purchase_id"],
        product=Product(row["product"]) if row["product"] is not None else Product.STARS,
        months=row["months"],
        stars=row["stars"],
        recipient=row["recipient"],
        pay_with=PayWith(row["pay_with"]) if row["pay_with"] is not None else None,
        funded=bool(row["funded"]),
        attempt_started_at=row["attempt_started_at"],
        outcome_unknown=bool(row["outcome_unknown"]),
        receipt=receipt,
        failure_reason=row["failure_reason"],
        actor=row["actor"],
        promo_code=row["promo_code"],
        discount=money(row["discount"], currency) if row["discount"] is not None else None,
        reward_for=row["reward_for"],
        chat_message_id=row["chat_message_id"],
    )


def promo_to_row(code: PromoCode, currency: Currency) -> dict[str, Any]:
    return {
        "code": code.code,
        "kind": code.kind.value,
        "currency": currency.code,
        "amount": code.amount.amount if code.amount else None,
        "percent": code.percent,
        "max_discount": code.max_discount.amount if code.max_discount else None,
        "max_uses": code.max_uses,
        "uses": code.uses,
        "once_per_user": code.once_per_user,
        "expires_at": code.expires_at,
        "disabled_at": code.disabled_at,
        "created_by": code.created_by,
        "created_at": code.created_at,
    }


def promo_from_row(row: Mapping[Any, Any]) -> PromoCode:
    currency = Currency.of(row["currency"])
    amount, cap, percent = row["amount"], row["max_discount"], row["percent"]
    return PromoCode(
        code=row["code"],
        kind=PromoKind(row["kind"]),
        amount=money(amount, currency) if amount is not None else None,
        percent=Decimal(format(percent.normalize(), "f")) if percent is not None else None,
        max_discount=money(cap, currency) if cap is not None else None,
        max_uses=row["max_uses"],
        uses=row["uses"],
        once_per_user=bool(row["once_per_user"]),
        expires_at=row["expires_at"],
        disabled_at=row["disabled_at"],
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def waiting_order_to_row(order: WaitingOrder) -> dict[str, Any]:
    return {
        "recharge_id": order.recharge_id,
        "user_id": order.user_id,
        "stars": order.stars,
        "recipient": order.recipient,
        "price": order.price.amount,
        "currency": order.price.currency.code,
        "state": order.state.value,
        "purchase_id": order.purchase_id,
        "reason": order.reason,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def waiting_order_from_row(row: Mapping[Any, Any]) -> WaitingOrder:
    return WaitingOrder(
        recharge_id=row["recharge_id"],
        user_id=row["user_id"],
        stars=row["stars"],
        recipient=row["recipient"],
        price=money(row["price"], Currency.of(row["currency"])),
        state=OrderState(row["state"]),
        purchase_id=row["purchase_id"],
        reason=row["reason"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
