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
    # the provider's reference of the order and its blockchain transaction (empty in events stored before them)
    ref: str = ""
    tx_hash: str = ""


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


@attrs.frozen(kw_only=True)
class AlertRaised(Event):
    """An alert for operators that no other event carries (a condition such as a low wallet, a message set aside).

    ``tx_id`` is the alert's key (its subject may be no transaction); ``user_id`` is 0 when no user is concerned."""

    kind: ClassVar[str] = "alert_raised"
    alert: str
    text: str


NOTIFY_OPERATORS = frozenset({OperatorAttention.kind, AlertRaised.kind})


class BroadcastQueued(Event):
    """A broadcast was created: the worker sends it. ``user_id`` is the operator, ``tx_id`` the broadcast's id."""

    kind: ClassVar[str] = "broadcast_queued"


class OrderFunded(Event):
    """The top-up an order waits for was credited (``tx_id``: the recharge): the worker places the order."""

    kind: ClassVar[str] = "order_funded"


@attrs.frozen(kw_only=True)
class OrderPlaced(Event):
    """The order waiting for the top-up ``tx_id`` was placed as a purchase."""

    kind: ClassVar[str] = "order_placed"
    stars: int
    recipient: str
    price: Money


@attrs.frozen(kw_only=True)
class OrderDropped(Event):
    """The order waiting for the top-up ``tx_id`` will not be placed (``reason``: a ``DropReason``); ``price`` is
    today's price."""

    kind: ClassVar[str] = "order_dropped"
    stars: int
    recipient: str
    price: Money
    reason: str


@attrs.frozen(kw_only=True)
class InvoiceClosed(Event):
    """A top-up invoice the bot showed (its message ``message_id``) closed unpaid: ``status`` is ``expired``, ``failed``
    or ``underpaid`` (too little came and nothing was credited)."""

    kind: ClassVar[str] = "invoice_closed"
    amount: Money
    message_id: int
    status: str


NOTIFY_USER = frozenset(
    {
        PaymentReceived.kind,
        PurchaseDelivered.kind,
        PurchaseRefused.kind,
        PurchaseDelayed.kind,
        PurchaseWaiting.kind,
        PurchaseCancelled.kind,
        BonusGranted.kind,
        OrderPlaced.kind,
        OrderDropped.kind,
        InvoiceClosed.kind,
    }
)
