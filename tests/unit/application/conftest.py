import pytest

from starshop.application.use_cases.register_user import TelegramProfile
from starshop.testing import InMemoryShop, build_in_memory_shop

ALICE = 1001
BOB = 1002


@pytest.fixture
def shop() -> InMemoryShop:
    return build_in_memory_shop()


@pytest.fixture
async def alice(shop: InMemoryShop) -> int:
    await shop.register_user(TelegramProfile(user_id=ALICE, username="alice", language_code="en"))
    return ALICE


async def fund(shop: InMemoryShop, user_id: int, amount: str) -> None:
    """Top up through the real flow: recharge, gateway says paid, webhook confirms."""
    from starshop.application.use_cases.create_recharge import CreateRechargeInput
    from starshop.domain import PaymentStatus

    result = await shop.create_recharge(CreateRechargeInput(user_id=user_id, amount=shop.money(amount)))
    note = shop.gateway.set_status(result.recharge.order_id, PaymentStatus.PAID)
    await shop.confirm_payment(note)
