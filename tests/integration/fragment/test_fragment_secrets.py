from __future__ import annotations

import base64
import logging
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from starshop.adapters.fragment import FragmentClient, HttpxFragmentDelivery
from starshop.application.ports import DeliveryLookupFailed, DeliveryOrder, Refused, Unknown
from starshop.testing.fakes import FakeFragment

BUY = "/buyStars"


def leaks(fake: FakeFragment, text: str) -> list[str]:
    secrets = [fake.seed, fake.cookies or "", "tiger orbit", "ssid-secret-1", "ton-secret-3"]
    secrets += [base64.b64encode(secret.encode()).decode() for secret in (fake.seed, fake.cookies or "")]
    return [secret for secret in secrets if secret in text]


def exception_chain(exc: BaseException | None) -> list[BaseException]:
    chain = []
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


async def test_the_secrets_are_not_in_the_reprs(
    fake: FakeFragment, kyc_delivery: HttpxFragmentDelivery, make_order: Callable[..., DeliveryOrder]
) -> None:
    client = FragmentClient(seed=fake.seed, cookies=fake.cookies)
    await client.aclose()
    await kyc_delivery.deliver(make_order())

    assert leaks(fake, repr(kyc_delivery) + repr(client) + repr(fake)) == []


@pytest.mark.parametrize(
    "config",
    [{"seed": "tiger orbit velvet"}, {"seed": "tiger orbit " * 12, "cookies": "stel_token=ton-secret-3"}],
    ids=["seed of three words", "cookies without stel_ssid"],
)
def test_a_malformed_secret_is_refused_without_showing_it(fake: FakeFragment, config: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="Fragment") as caught:
        HttpxFragmentDelivery(**config)

    assert leaks(fake, "".join(traceback.format_exception(caught.value))) == []


async def test_the_secrets_are_not_in_outcomes_errors_or_logs(
    fake: FakeFragment,
    kyc_delivery: HttpxFragmentDelivery,
    make_order: Callable[..., DeliveryOrder],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    echoed = f"bad seed {base64.b64encode(fake.seed.encode()).decode()} or cookies {fake.cookies}"
    fake.refuse(BUY, message=echoed)
    fake.fail(BUY, message=echoed)
    fake.answer_slowly(BUY, seconds=2)
    fake.drop_connection(BUY)
    fake.fail("/getOrders", times=3, message=echoed)

    outcomes = [await kyc_delivery.deliver(make_order()) for _ in range(4)]
    with pytest.raises(DeliveryLookupFailed) as caught:
        await kyc_delivery.find_order(make_order(), until=datetime.now(UTC))

    assert [type(outcome) for outcome in outcomes] == [Refused, Unknown, Unknown, Unknown]
    reasons = [outcome.reason for outcome in outcomes if isinstance(outcome, Refused | Unknown)]
    assert "***" in reasons[0]
    texts = [*reasons, "".join(traceback.format_exception(caught.value))]
    assert leaks(fake, "\n".join(texts) + caplog.text) == []
    assert "getOrders" in caplog.text  # the logs were captured


async def test_no_error_carries_the_request_and_its_body(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, make_order: Callable[..., DeliveryOrder]
) -> None:
    fake.drop_connection("/getOrders", times=3)

    with pytest.raises(DeliveryLookupFailed) as caught:
        await delivery.find_order(make_order(), until=datetime.now(UTC))

    chain = exception_chain(caught.value)
    assert len(chain) >= 2
    assert not any(isinstance(exc, httpx.HTTPError) for exc in chain)
