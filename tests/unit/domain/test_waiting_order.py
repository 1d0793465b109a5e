"""An order waiting for a top-up moves once: placed (final, even over a drop decided a moment before) or dropped;
only a waiting order is dropped or tried again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from starshop.domain import Currency, DropReason, IllegalTransition, Money, OrderState, WaitingOrder

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def order() -> WaitingOrder:
    return WaitingOrder(
        recharge_id="r1",
        user_id=1,
        stars=100,
        recipient="bob",
        price=Money.of("1.65", Currency.of("USD")),
        created_at=T0,
        updated_at=T0,
    )


def test_a_waiting_order_tried_again_keeps_everything_but_the_time_of_the_try() -> None:
    tried = order().retried(T0 + timedelta(minutes=2))
    assert tried == attrs.evolve(order(), updated_at=T0 + timedelta(minutes=2))
    assert tried.state is OrderState.WAITING


@pytest.mark.parametrize("end", ["placed", "dropped"])
def test_an_order_placed_or_dropped_is_neither_tried_again_nor_dropped(end: str) -> None:
    done = order().placed("p1", T0) if end == "placed" else order().dropped(DropReason.TOO_LATE, T0)
    with pytest.raises(IllegalTransition):
        done.retried(T0)
    with pytest.raises(IllegalTransition):
        done.dropped(DropReason.NOT_PAID, T0)


def test_a_purchase_that_exists_wins_over_a_drop() -> None:
    dropped = order().dropped(DropReason.PRICE_CHANGED, T0)
    placed = dropped.placed("p1", T0 + timedelta(seconds=1))
    assert (placed.state, placed.purchase_id, placed.reason) == (OrderState.PLACED, "p1", None)
