from datetime import UTC, datetime
from decimal import Decimal

import pytest

from starshop.domain import Alert, AlertKind, ConditionStep, condition_step, wallet_near_floor
from starshop.domain.events import OperatorAttention

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_a_flag_alerts_under_the_event_key_and_a_contradiction_is_told_apart():
    flagged = Alert.of_attention(OperatorAttention(user_id=7, tx_id="p1", reason="unknown past the deadline"), T0)
    assert (flagged.kind, flagged.subject, flagged.user_id) == (AlertKind.FLAGGED, "p1", 7)
    assert flagged.key == "operator_attention:p1:unknown past the deadline"
    contradiction = OperatorAttention(user_id=7, tx_id="p1", reason="contradicting outcome: refused after ...")
    assert Alert.of_attention(contradiction, T0).kind is AlertKind.CONTRADICTING_OUTCOME


def test_a_condition_alert_is_keyed_by_its_crossing_so_two_watchers_make_one():
    one = Alert.condition(AlertKind.WALLET_LOW, "fragment", crossing=3, text="low", at=T0)
    other = Alert.condition(AlertKind.WALLET_LOW, "fragment", crossing=3, text="low again", at=T0)
    assert one.key == other.key == "wallet_low:fragment:3"
    with pytest.raises(ValueError, match="not a condition"):
        Alert.condition(AlertKind.FLAGGED, "p1", crossing=1, text="x", at=T0)


def test_a_message_set_aside_again_alerts_again():
    first = Alert.quarantined(5, key="k", kind="gift", reason="unknown event kind", at=T0)
    again = Alert.quarantined(5, key="k", kind="gift", reason="unknown event kind", at=T0.replace(hour=13))
    assert first.key != again.key
    assert (first.kind, first.subject) == (AlertKind.OUTBOX_QUARANTINED, "5")


@pytest.mark.parametrize(
    ("on", "open_alert", "step"),
    [
        (True, None, ConditionStep.RAISE),
        (True, "open", None),  # still on: no second alert for the same crossing
        (False, "open", ConditionStep.CLEAR),
        (False, None, None),
    ],
)
def test_a_condition_alerts_once_per_crossing(on, open_alert, step):
    alert = Alert.condition(AlertKind.CIRCUIT_OPEN, "fragment", crossing=1, text="open", at=T0) if open_alert else None
    assert condition_step(on=on, open_alert=alert) is step


def test_the_wallet_is_near_its_floor_within_the_margin():
    assert wallet_near_floor(Decimal("119.99"), Decimal(100))
    assert not wallet_near_floor(Decimal(120), Decimal(100))
    assert wallet_near_floor(Decimal(50), Decimal(100))


def test_the_first_acknowledgement_stands_and_long_texts_are_clipped():
    alert = Alert(key="k", kind=AlertKind.FLAGGED, subject="p1", text="x" * 900, raised_at=T0)
    assert len(alert.text) == 500
    seen = alert.acknowledged(1, T0)
    assert seen.acknowledged(2, T0.replace(hour=13)) == seen
    assert (seen.acknowledged_by, seen.acknowledged_at) == (1, T0)
