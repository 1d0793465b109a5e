"""Domain events: facts someone must hear about after the commit that made them true.

Each event names the user it concerns; ``key`` makes the receiving side idempotent (one transaction, one event of
each kind), and ``kind`` is the stable name used on the wire.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from starshop.domain.money import Money


@attrs.frozen(kw_only=True)
class Event:
    kind: ClassVar[str] = "event"
    user_id: int
    tx_id: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.tx_id}"


@attrs.frozen(kw_only=True)
class PaymentReceived(Event):
    kind: ClassVar[str] = "payment_received"
    amount: Money
    balance: Money


@attrs.frozen(kw_only=True)
class BalanceChanged(Event):
    kind: ClassVar[str] = "balance_changed"
    amount: Money
    held: Money
    reason: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.tx_id}:{self.reason}"


@attrs.frozen(kw_only=True)
class PurchaseQueued(Event):
    """A funded purchase is ready for delivery: the worker picks it up."""

    kind: ClassVar[str] = "purchase_queued"


@attrs.frozen(kw_only=True)
class PurchaseDelivered(Event):
    kind: ClassVar[str] = "purchase_delivered"
    stars: int | None  # None for Telegram Premium
    recipient: str
    months: int | None = None  # Telegram Premium: how many months
    price: Money


@attrs.frozen(kw_only=True)
class PurchaseRefused(Event):
    kind: ClassVar[str] = "purchase_refused"
    stars: int | None  # None for Telegram Premium
    recipient: str
    months: int | None = None  # Telegram Premium: how many months
    price: Money
    reason: str


@attrs.frozen(kw_only=True)
class PurchaseDelayed(Event):
    kind: ClassVar[str] = "purchase_delayed"
    stars: int | None  # None for Telegram Premium
    recipient: str
    months: int | None = None  # Telegram Premium: how many months


@attrs.frozen(kw_only=True)
class PurchaseWaiting(Event):
    """A funded purchase waits behind an unresolved one of the same stars for the same recipient."""

    kind: ClassVar[str] = "purchase_waiting"
    stars: int | None  # None for Telegram Premium
    recipient: str
    months: int | None = None  # Telegram Premium: how many months


@attrs.frozen(kw_only=True)
class PurchaseCancelled(Event):
    kind: ClassVar[str] = "purchase_cancelled"
    stars: int | None  # None for Telegram Premium
    recipient: str
    months: int | None = None  # Telegram Premium: how many months


@attrs.frozen(kw_only=True)
class BonusGranted(Event):
    kind: ClassVar[str] = "bonus_granted"
    amount: Money
    balance: Money


@attrs.frozen(kw_only=True)
class OperatorAttention(Event):
    """A transaction was flagged for an operator."""

    kind: ClassVar[str] = "operator_attention"
    reason: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.tx_id}:{self.reason}"


NOTIFY_USER = frozenset(
    {
        PaymentReceived.kind,
        PurchaseDelivered.kind,
        PurchaseRefused.kind,
        PurchaseDelayed.kind,
        PurchaseWaiting.kind,
        PurchaseCancelled.kind,
        BonusGranted.kind,
    }
)
