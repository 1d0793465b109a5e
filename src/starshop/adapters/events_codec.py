"""Domain events to and from JSON-safe dicts: the one wire form for Redis pub/sub and the SQL outbox.

``{"kind": "payment_received", "user_id": 7, "tx_id": "...", "amount": {"amount": "1.50", "currency": "USD"}}``.
Every field of an event is a ``Money``, an ``int`` (or ``None`` where the field allows it) or a ``str``; anything
else is refused on the way in. A field with a default that a row lacks (written before the field existed) takes it.
"""

from __future__ import annotations

import json
import typing
from typing import Any

import attrs

from starshop.domain import events
from starshop.domain.errors import DomainError
from starshop.domain.money import Currency, Money

EVENT_TYPES: dict[str, type[events.Event]] = {}


def register(cls: type[events.Event]) -> type[events.Event]:
    """Add an event class to the registry under its ``kind`` (usable as a decorator)."""
    known = EVENT_TYPES.get(cls.kind)
    if known is not None and known is not cls:
        msg = f"event kind {cls.kind!r} is already taken by {known.__name__}"
        raise ValueError(msg)
    EVENT_TYPES[cls.kind] = cls
    return cls


for _cls in (
    events.PaymentReceived,
    events.BalanceChanged,
    events.PurchaseQueued,
    events.PurchaseDelivered,
    events.PurchaseRefused,
    events.PurchaseDelayed,
    events.PurchaseWaiting,
    events.PurchaseCancelled,
    events.BonusGranted,
    events.OperatorAttention,
    events.AlertRaised,
    events.BroadcastQueued,
    events.OrderFunded,
    events.OrderPlaced,
    events.OrderDropped,
    events.InvoiceClosed,
):
    register(_cls)


def event_to_dict(event: events.Event) -> dict[str, Any]:
    cls = type(event)
    if EVENT_TYPES.get(cls.kind) is not cls:
        msg = f"event class {cls.__name__} (kind {cls.kind!r}) is not registered"
        raise ValueError(msg)
    out: dict[str, Any] = {"kind": cls.kind}
    for field in attrs.fields(cls):
        value = getattr(event, field.name)
        out[field.name] = _money_to_dict(value) if isinstance(value, Money) else value
    return out


def event_from_dict(data: typing.Mapping[str, Any]) -> events.Event:
    kind = data.get("kind")
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        msg = f"unknown event kind {kind!r}"
        raise ValueError(msg)
    values: dict[str, Any] = {name: _decode(cls, name, hint, data) for name, hint in _fields(cls) if name in data}
    missing = [f.name for f in attrs.fields(cls) if f.name not in data and f.default is attrs.NOTHING]
    if missing:  # a field added later with a default may be absent from an event stored before it
        msg = f"{cls.kind}: missing field {missing[0]!r}"
        raise ValueError(msg)
    return cls(**values)


_FIELDS: dict[str, tuple[tuple[str, object], ...]] = {}


def _fields(cls: type[events.Event]) -> tuple[tuple[str, object], ...]:
    """Each field's name and resolved type, worked out once per kind (``get_type_hints`` is slow)."""
    found = _FIELDS.get(cls.kind)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _FIELDS[cls.kind] = tuple((field.name, hints[field.name]) for field in attrs.fields(cls))
    return found


def event_to_json(event: events.Event) -> str:
    return json.dumps(event_to_dict(event), separators=(",", ":"))


def event_from_json(text: str | bytes) -> events.Event:
    """Raises ``ValueError`` (``json.JSONDecodeError`` is one) for anything that is not a known event."""
    data = json.loads(text)
    if not isinstance(data, dict):
        msg = f"an event must be a JSON object, got {type(data).__name__}"
        raise ValueError(msg)
    return event_from_dict(data)


def _money_to_dict(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency.code}


def _decode(cls: type[events.Event], name: str, hint: object, data: typing.Mapping[str, Any]) -> object:
    if name not in data:
        default = attrs.fields_dict(cls)[name].default
        if default is not attrs.NOTHING:  # a field added later: rows written before it carry none
            return default
        msg = f"{cls.kind}: missing field {name!r}"
        raise ValueError(msg)
    value = data[name]
    if hint is Money:
        return _money_from(cls, name, value)
    if hint in (int, str) and type(value) is hint:
        return value
    if hint == int | None and (value is None or type(value) is int):
        return value
    msg = f"{cls.kind}: field {name!r} must be {getattr(hint, '__name__', hint)}, got {type(value).__name__}"
    raise ValueError(msg)


def _money_from(cls: type[events.Event], name: str, value: object) -> Money:
    if not isinstance(value, dict) or set(value) != {"amount", "currency"}:
        msg = f"{cls.kind}: field {name!r} must be {{'amount': str, 'currency': str}}, got {value!r}"
        raise ValueError(msg)
    amount, currency = value["amount"], value["currency"]
    if not isinstance(amount, str) or not isinstance(currency, str):
        msg = f"{cls.kind}: field {name!r} must hold strings, got {value!r}"
        raise ValueError(msg)
    try:
        return Money.of(amount, Currency.of(currency))
    except DomainError as exc:
        msg = f"{cls.kind}: field {name!r}: {exc}"
        raise ValueError(msg) from exc
