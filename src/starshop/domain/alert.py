"""Alerts to operators: what went wrong, kept so the console can list it, and told once in the bot.

Two families:
- one-off alerts come from a fact that happened once (a transaction flagged for an operator, a contradicting
  delivery outcome, an outbox message set aside); their key is the fact's, so the fact alerts once;
- condition alerts (the provider wallet near its floor, a circuit breaker open) stay open while the condition lasts
  and are cleared when it ends; a condition alerts once per crossing (``condition_step``), never on every look.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import attrs

from starshop.domain.events import AlertRaised, OperatorAttention

MAX_TEXT = 500
CONTRADICTING = "contradicting outcome"  # how RecordDelivery's reasons for a contradicting outcome begin
WALLET_MARGIN = Decimal("0.2")  # the wallet is "near its floor" below floor x (1 + margin)


def _clip(text: str) -> str:
    return text[:MAX_TEXT]


class AlertKind(StrEnum):
    FLAGGED = "flagged"  # a purchase or a recharge flagged for an operator
    CONTRADICTING_OUTCOME = "contradicting_outcome"
    WALLET_LOW = "wallet_low"
    OUTBOX_QUARANTINED = "outbox_quarantined"
    CIRCUIT_OPEN = "circuit_open"

    @property
    def is_condition(self) -> bool:
        return self in (AlertKind.WALLET_LOW, AlertKind.CIRCUIT_OPEN)


class ConditionStep(StrEnum):
    RAISE = "raise"
    CLEAR = "clear"


@attrs.frozen(kw_only=True)
class Alert:
    """``id`` is the store's (0 until stored); ``key`` makes an alert once; ``subject`` names what it is about (a
    transaction id, a provider, an outbox message id)."""

    key: str
    kind: AlertKind
    subject: str
    text: str = attrs.field(converter=_clip)
    raised_at: datetime
    user_id: int = 0
    id: int = 0
    cleared_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None

    @classmethod
    def of_attention(cls, event: OperatorAttention, at: datetime) -> Alert:
        kind = AlertKind.CONTRADICTING_OUTCOME if event.reason.startswith(CONTRADICTING) else AlertKind.FLAGGED
        return cls(
            key=event.key,
            kind=kind,
            subject=event.tx_id,
            text=f"transaction {event.tx_id} of user {event.user_id}: {event.reason}",
            raised_at=at,
            user_id=event.user_id,
        )

    @classmethod
    def condition(cls, kind: AlertKind, subject: str, *, crossing: int, text: str, at: datetime) -> Alert:
        """The ``crossing``-th time the condition began: two watchers that see it begin at once make one key."""
        if not kind.is_condition:
            msg = f"{kind} is not a condition"
            raise ValueError(msg)
        return cls(key=f"{kind}:{subject}:{crossing}", kind=kind, subject=subject, text=text, raised_at=at)

    @classmethod
    def quarantined(cls, message_id: int, *, key: str, kind: str, reason: str, at: datetime) -> Alert:
        """Set aside at ``at``: a message released and set aside again alerts again."""
        return cls(
            key=f"{AlertKind.OUTBOX_QUARANTINED}:{message_id}:{at.isoformat()}",
            kind=AlertKind.OUTBOX_QUARANTINED,
            subject=str(message_id),
            text=f"outbox message {message_id} ({kind}, key {key}) cannot be read by this release: {reason}",
            raised_at=at,
        )

    @property
    def event(self) -> AlertRaised:
        """What the relay hands to the notifier (operators hear about it in the bot)."""
        return AlertRaised(user_id=self.user_id, tx_id=self.key, alert=self.kind.value, text=self.text)

    def acknowledged(self, by: int, at: datetime) -> Alert:
        """The first acknowledgement stands: acknowledging again changes nothing."""
        if self.acknowledged_at is not None:
            return self
        return attrs.evolve(self, acknowledged_at=at, acknowledged_by=by)


def condition_step(*, on: bool, open_alert: Alert | None) -> ConditionStep | None:
    """What a look at a condition does: raise when it began (no alert open), clear when it ended, else nothing."""
    if on and open_alert is None:
        return ConditionStep.RAISE
    if not on and open_alert is not None:
        return ConditionStep.CLEAR
    return None


def wallet_near_floor(wallet: Decimal, floor: Decimal, margin: Decimal = WALLET_MARGIN) -> bool:
    """Below the floor sales pause; operators hear before that, once the wallet is within ``margin`` of it."""
    return wallet < floor * (1 + margin)
