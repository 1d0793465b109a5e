"""The user's chosen language and the orders waiting for a top-up behave alike on memory, SQLite and Postgres."""

from __future__ import annotations

import pytest
from sqla_support import USD, Persistence, at, recharge, usd, user

from starshop.application.errors import DuplicateTransaction
from starshop.domain import DropReason, OrderState, WaitingOrder


async def test_the_chosen_language_is_stored_and_a_profile_update_keeps_it(persistence: Persistence) -> None:
    async with persistence.uow() as uow:
        await uow.users.upsert(user(7, language_code="en"))
        assert await uow.users.set_language(7, "ru", at(1))
        assert not await uow.users.set_language(8, "ru", at(1))  # nobody to set it for
        await uow.commit()
    async with persistence.uow() as uow:
        await uow.users.upsert(user(7, language_code="en", updated_at=at(2)))  # the next /start
        await uow.commit()
    async with persistence.uow() as uow:
        stored = await uow.users.get(7)
        missing = await uow.users.get(8)
    assert stored is not None and stored.language == "ru" and stored.language_code == "en"
    assert missing is None


async def test_a_new_user_has_no_chosen_language(persistence: Persistence) -> None:
    async with persistence.uow() as uow:
        await uow.users.upsert(user(5, language_code="ru"))
        await uow.commit()
    async with persistence.uow() as uow:
        stored = await uow.users.get(5)
    assert stored is not None and stored.language is None


def _order(recharge_id: str = "r1") -> WaitingOrder:
    return WaitingOrder(
        recharge_id=recharge_id,
        user_id=1,
        stars=100,
        recipient="someone",
        price=usd("1.65"),
        created_at=at(0),
        updated_at=at(0),
    )


async def _with_recharge(p: Persistence) -> None:
    async with p.uow() as uow:
        await uow.users.upsert(user(1))
        await uow.balances.ensure(1, USD)
        await uow.transactions.add(recharge("r1", 1))
        await uow.waiting_orders.add(_order())
        await uow.commit()


async def test_a_waiting_order_is_stored_read_and_moved_on(persistence: Persistence) -> None:
    await _with_recharge(persistence)
    async with persistence.uow() as uow:
        stored = await uow.waiting_orders.get("r1", lock=True)
        assert stored == _order()
        await uow.waiting_orders.update(stored.placed("p1", at(3)))
        await uow.commit()
    async with persistence.uow() as uow:
        placed = await uow.waiting_orders.get("r1")
        none = await uow.waiting_orders.get("r2")
    assert placed is not None and placed.state is OrderState.PLACED and placed.purchase_id == "p1"
    assert placed.updated_at == at(3) and placed.price == usd("1.65")
    assert none is None


async def test_a_recharge_has_one_waiting_order_at_most(persistence: Persistence) -> None:
    await _with_recharge(persistence)
    async with persistence.uow() as uow:
        with pytest.raises(DuplicateTransaction):
            await uow.waiting_orders.add(_order())
        dropped = _order().dropped(DropReason.PRICE_CHANGED, at(1))
        await uow.waiting_orders.update(dropped)
        await uow.commit()
    async with persistence.uow() as uow:
        assert await uow.waiting_orders.get("r1") == dropped
