from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from starshop.adapters.fragment import FragmentClient, HttpxFragmentDelivery
from starshop.application.ports import Delivered, DeliveryOrder, RecipientCheck
from starshop.testing.fakes import FakeFragment

USER_INFO = "/getUserInfo"
BALANCE = "/getBalance"


async def test_check_recipient_asks_the_service_when_cookies_are_configured(
    fake: FakeFragment, kyc_delivery: HttpxFragmentDelivery
) -> None:
    assert await kyc_delivery.check_recipient("alice_user") is RecipientCheck.FOUND
    assert await kyc_delivery.check_recipient("nobody_here") is RecipientCheck.NOT_FOUND
    assert fake.calls[USER_INFO] == 2


async def test_check_recipient_is_unchecked_when_the_service_fails(
    fake: FakeFragment, kyc_delivery: HttpxFragmentDelivery
) -> None:
    fake.fail(USER_INFO, times=3, message="Error while searching for recipient")

    assert await kyc_delivery.check_recipient("alice_user") is RecipientCheck.UNCHECKED
    assert fake.calls[USER_INFO] == 3


async def test_check_recipient_is_unchecked_without_cookies(
    fake: FakeFragment, delivery: HttpxFragmentDelivery
) -> None:
    assert await delivery.check_recipient("alice_user") is RecipientCheck.UNCHECKED
    assert fake.calls[USER_INFO] == 0


async def test_wallet_balance_is_exact_and_follows_purchases(
    fake: FakeFragment, delivery: HttpxFragmentDelivery, make_order: Callable[..., DeliveryOrder]
) -> None:
    assert await delivery.wallet_balance() == Decimal("10")
    assert isinstance(await delivery.deliver(make_order(stars=50)), Delivered)

    balance = await delivery.wallet_balance()

    assert isinstance(balance, Decimal)
    assert balance == Decimal("9.22")


async def test_wallet_balance_is_none_when_the_service_fails(
    fake: FakeFragment, delivery: HttpxFragmentDelivery
) -> None:
    fake.fail(BALANCE, times=3, message="Internal server error")

    assert await delivery.wallet_balance() is None
    assert fake.calls[BALANCE] == 3


async def test_the_client_pings_the_service(fake: FakeFragment) -> None:
    client = FragmentClient(seed=fake.seed, base_url=fake.url, connect_timeout=0.3, lookup_timeout=0.3)
    try:
        reply = await client.ping()
    finally:
        await client.aclose()

    assert reply.succeeded
    assert fake.calls["/ping"] == 1
