from __future__ import annotations

import base64
import re
import socket
from collections.abc import Callable
from decimal import Decimal

import pytest

from starshop.adapters.fragment import HttpxFragmentDelivery
from starshop.adapters.resilience import CircuitBreaker
from starshop.application.ports import Delivered, DeliveryOrder, Refused, Unknown
from starshop.testing.fakes import FakeFragment

BUY = "/buyStarsWithoutKYC"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def test_deliver_returns_the_receipt_with_an_exact_cost(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, make_order: Callable[..., DeliveryOrder]
) -> None:
    outcome = await delivery.deliver(make_order(stars=50))

    assert isinstance(outcome, Delivered)
    (recorded,) = fake.orders
    assert outcome.receipt.ref_id == recorded.ref_id
    assert outcome.receipt.ref_id.startswith("Ref#")
    assert outcome.receipt.tx_hash == recorded.txid
    assert re.fullmatch(r"[0-9a-f]{64}", outcome.receipt.tx_hash or "")
    assert outcome.receipt.cost == "0.78"
    assert fake.balance == Decimal("9.22")
    assert fake.last_body[BUY] == {"username": "alice_user", "amount": 50, "seed": b64(fake.seed)}


async def test_deliver_with_cookies_buys_on_the_kyc_route_without_showing_the_sender(
    fake: FakeFragment, kyc_delivery: HttpxFragmentDelivery, make_order: Callable[..., DeliveryOrder]
) -> None:
    outcome = await kyc_delivery.deliver(make_order())

    assert isinstance(outcome, Delivered)
    assert fake.calls == {"/buyStars": 1}
    assert fake.last_body["/buyStars"]["show_sender"] is False
    assert fake.last_body["/buyStars"]["fragment_cookies"] == b64(fake.cookies or "")


@pytest.mark.parametrize(
    ("recipient", "stars", "reason"),
    [
        ("nobody_here", 50, "User not found"),
        ("bad name!", 50, "Invalid username format"),
        ("alice_user", 49, "Validation error"),
        ("alice_user", 1000, "Insufficient balance"),
    ],
    ids=["unknown user", "bad username", "validation", "empty wallet"],
)
async def test_deliver_is_refused_when_the_service_refuses_before_buying(
    fake: FakeFragment,
    delivery: HttpxFragmentDelivery,
    make_order: Callable[..., DeliveryOrder],
    recipient: str,
    stars: int,
    reason: str,
) -> None:
    outcome = await delivery.deliver(make_order(recipient=recipient, stars=stars))

    assert outcome == Refused(reason=reason)
    assert fake.calls[BUY] == 1
    assert fake.orders == []


async def test_a_200_with_success_false_is_a_refusal(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, make_order: Callable[..., DeliveryOrder]
) -> None:
    fake.refuse(BUY, message="Purchase is not available")

    assert await delivery.deliver(make_order()) == Refused(reason="Purchase is not available")


@pytest.mark.parametrize(
    ("arrange", "recorded"),
    [
        (lambda fake: fake.fail(BUY), 0),
        (lambda fake: fake.fail(BUY, after_recording=True), 1),
        (lambda fake: fake.answer_slowly(BUY, seconds=2), 1),
        (lambda fake: fake.drop_connection(BUY), 1),
        (lambda fake: fake.garble(BUY), 1),
    ],
    ids=["500 before recording", "500 after recording", "read timeout", "dropped connection", "200 not json"],
)
async def test_deliver_is_unknown_and_not_retried_when_the_answer_is_unclear(
    fake: FakeFragment,
    delivery: HttpxFragmentDelivery,
    make_order: Callable[..., DeliveryOrder],
    arrange: Callable[[FakeFragment], None],
    recorded: int,
) -> None:
    arrange(fake)

    outcome = await delivery.deliver(make_order())

    assert isinstance(outcome, Unknown)
    assert fake.calls[BUY] == 1
    assert len(fake.orders) == recorded


async def test_deliver_is_unknown_when_the_service_cannot_be_reached(make_order: Callable[..., DeliveryOrder]) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    delivery = HttpxFragmentDelivery(
        base_url=f"http://127.0.0.1:{port}", seed=" ".join(["word"] * 12), connect_timeout=0.3, read_timeout=0.3
    )
    try:
        outcome = await delivery.deliver(make_order())
    finally:
        await delivery.aclose()

    assert isinstance(outcome, Unknown)


async def test_an_open_circuit_refuses_the_purchase_without_attempting_it(
    fake: FakeFragment, make_delivery: Callable[..., HttpxFragmentDelivery], make_order: Callable[..., DeliveryOrder]
) -> None:
    delivery = make_delivery(breaker=CircuitBreaker(name="fragment", threshold=1, reset_after=60))
    fake.fail(BUY)

    first = await delivery.deliver(make_order())
    second = await delivery.deliver(make_order())

    assert isinstance(first, Unknown)
    assert isinstance(second, Refused)
    assert "not attempted" in second.reason
    assert fake.calls[BUY] == 1
