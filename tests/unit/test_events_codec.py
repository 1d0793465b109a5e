from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

from starshop.adapters.events_codec import (
    EVENT_TYPES,
    event_from_dict,
    event_from_json,
    event_to_dict,
    event_to_json,
    register,
)
from starshop.domain import events
from starshop.domain.money import Currency, Money

USD, TON = Currency.of("USD"), Currency.of("TON")

EXAMPLES: list[events.Event] = [
    events.PaymentReceived(user_id=1, tx_id="t1", amount=Money.of("1.5", USD), balance=Money.of("10", USD)),
    events.BalanceChanged(user_id=1, tx_id="t2", amount=Money.of("3", USD), held=Money.zero(USD), reason="hold"),
    events.PurchaseQueued(user_id=2, tx_id="t3"),
    events.PurchaseDelivered(user_id=2, tx_id="t4", stars=50, recipient="alice", price=Money.of("0.000000001", TON)),
    events.PurchaseRefused(user_id=2, tx_id="t5", stars=100, recipient="bob", price=Money.of("2", USD), reason="no"),
    events.PurchaseDelayed(user_id=3, tx_id="t6", stars=75, recipient="carol"),
    events.PurchaseCancelled(user_id=3, tx_id="t7", stars=75, recipient="carol"),
    events.PurchaseWaiting(user_id=3, tx_id="t10", stars=75, recipient="carol"),
    events.BonusGranted(user_id=4, tx_id="t8", amount=Money.of("5", USD), balance=Money.of("5", USD)),
    events.OperatorAttention(user_id=5, tx_id="t9", reason="paid after expiry"),
    events.AlertRaised(user_id=0, tx_id="wallet_low:fragment:1", alert="wallet_low", text="the wallet is low"),
    events.BroadcastQueued(user_id=9, tx_id="b1"),
    events.PurchaseDelivered(user_id=2, tx_id="t11", stars=50, recipient="al", price=Money.of("1", USD), ref="R#1"),
    events.OrderFunded(user_id=6, tx_id="t12"),
    events.InvoiceClosed(user_id=7, tx_id="t15", amount=Money.of("5", USD), message_id=1001, status="expired"),
    events.OrderPlaced(user_id=6, tx_id="t13", stars=100, recipient="dan", price=Money.of("1.65", USD)),
    events.OrderDropped(
        user_id=6, tx_id="t14", stars=100, recipient="dan", price=Money.of("1.70", USD), reason="price_changed"
    ),
]


def all_event_classes() -> set[type[events.Event]]:
    found, todo = set(), [events.Event]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return {cls for cls in found if cls.__module__ == events.__name__}


def test_every_domain_event_class_is_registered_by_its_kind() -> None:
    assert {EVENT_TYPES[cls.kind] for cls in all_event_classes()} == all_event_classes()


def test_the_examples_cover_every_event_class() -> None:
    assert {type(event) for event in EXAMPLES} == all_event_classes()


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.kind)
def test_an_event_survives_a_round_trip_through_json(event: events.Event) -> None:
    assert event_from_json(event_to_json(event)) == event
    assert event_from_dict(json.loads(json.dumps(event_to_dict(event)))) == event


def test_money_is_written_as_an_exact_string_with_its_currency() -> None:
    data = event_to_dict(EXAMPLES[0])

    assert data == {
        "kind": "payment_received",
        "user_id": 1,
        "tx_id": "t1",
        "amount": {"amount": "1.50", "currency": "USD"},
        "balance": {"amount": "10.00", "currency": "USD"},
    }


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event kind 'nope'"):
        event_from_dict({"kind": "nope", "user_id": 1, "tx_id": "t"})


def test_a_dict_without_a_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event kind None"):
        event_from_dict({"user_id": 1, "tx_id": "t"})


def good() -> dict[str, Any]:
    return event_to_dict(EXAMPLES[0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"user_id": None}, "user_id"),
        ({"user_id": True}, "user_id"),
        ({"user_id": "1"}, "user_id"),
        ({"tx_id": 5}, "tx_id"),
        ({"amount": "1.50"}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"amount": {"amount": 1.5, "currency": "USD"}}, "strings"),
        ({"amount": {"amount": "1.505", "currency": "USD"}}, "decimal places"),
        ({"amount": {"amount": "1", "currency": "XXX"}}, "unknown currency"),
        ({"amount": {"amount": "1", "currency": "USD", "extra": "x"}}, "amount"),
    ],
)
def test_a_malformed_field_is_refused_with_its_name(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        event_from_dict(good() | change)


def test_a_field_added_with_a_default_may_be_absent_from_an_event_stored_before_it() -> None:
    stored = event_to_dict(EXAMPLES[3])
    del stored["ref"]

    assert event_from_dict(stored) == EXAMPLES[3]
    assert EXAMPLES[3].ref == ""


def test_a_missing_field_is_refused() -> None:
    data = good()
    del data["balance"]

    with pytest.raises(ValueError, match="missing field 'balance'"):
        event_from_dict(data)


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '"payment_received"'])
def test_json_that_is_not_an_event_object_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        event_from_json(text)


def test_an_unregistered_event_class_is_refused_when_encoding() -> None:
    @attrs.frozen(kw_only=True)
    class Stray(events.Event):
        kind = "stray_test_only"

    with pytest.raises(ValueError, match="not registered"):
        event_to_dict(Stray(user_id=1, tx_id="t"))


def test_a_kind_cannot_be_registered_twice_by_different_classes() -> None:
    @attrs.frozen(kw_only=True)
    class Impostor(events.Event):
        kind = events.PaymentReceived.kind

    with pytest.raises(ValueError, match="already taken"):
        register(Impostor)
