"""UserRepository, BalanceRepository and the unit of work behave alike on memory, SQLite and Postgres."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqla_support import USD, Persistence, at, usd, user

from starshop.application.errors import UnknownUser
from starshop.domain import Balance, Currency, CurrencyMismatch, InsufficientFunds, InvalidAmount, Money
from starshop.domain.errors import BalanceInvariantViolated


async def _funded(p: Persistence, user_id: int = 1, amount: str = "10.00") -> None:
    async with p.uow() as uow:
        await uow.users.upsert(user(user_id))
        await uow.balances.ensure(user_id, USD)
        await uow.balances.credit(user_id, usd(amount))
        await uow.commit()


async def test_upsert_inserts_then_updates_the_profile_but_keeps_created_at(persistence: Persistence) -> None:
    async with persistence.uow() as uow:
        first = await uow.users.upsert(user(7, first_name="Ann", created_at=at(0), updated_at=at(0)))
        await uow.commit()
    async with persistence.uow() as uow:
        second = await uow.users.upsert(
            user(7, username="ann2", is_premium=True, language_code="ru", created_at=at(5), updated_at=at(5))
        )
        await uow.commit()
    async with persistence.uow() as uow:
        stored = await uow.users.get(7)
        missing = await uow.users.get(8)
    assert first.created_at == at(0)
    assert second == user(7, username="ann2", is_premium=True, language_code="ru", created_at=at(0), updated_at=at(5))
    assert stored == second
    assert stored is not None and stored.created_at.utcoffset() is not None
    assert missing is None


async def test_users_are_found_by_username_in_any_case_lowest_id_first(persistence: Persistence) -> None:
    async with persistence.uow() as uow:
        for user_id, name in ((9, "Alice_1"), (3, "alice_1"), (5, "alice_12"), (6, None), (7, "bob")):
            await uow.users.upsert(user(user_id, username=name))
        await uow.commit()
    async with persistence.uow() as uow:
        found = [u.user_id for u in await uow.users.with_username("ALICE_1", limit=20)]
        first = [u.user_id for u in await uow.users.with_username("alice_1", limit=1)]
        none = await uow.users.with_username("alice", limit=20)
        like = await uow.users.with_username("alice_%", limit=20)
    assert found == [3, 9]
    assert first == [3]
    assert none == like == []


async def test_ensure_creates_an_empty_balance_once(persistence: Persistence) -> None:
    async with persistence.uow() as uow:
        await uow.users.upsert(user(1))
        created = await uow.balances.ensure(1, USD)
        await uow.balances.credit(1, usd("2.50"))
        again = await uow.balances.ensure(1, USD)
        await uow.commit()
    assert created == Balance.empty(1, USD)
    assert again == Balance(1, usd("2.50"), usd("0"))
    assert again.amount.amount.as_tuple().exponent == -2


async def test_every_balance_operation_returns_the_new_balance(persistence: Persistence) -> None:
    await _funded(persistence)
    async with persistence.uow() as uow:
        b = uow.balances
        assert await b.hold(1, usd("4.00")) == Balance(1, usd("10.00"), usd("4.00"))
        assert await b.capture(1, usd("1.50")) == Balance(1, usd("8.50"), usd("2.50"))
        assert await b.release(1, usd("0.50")) == Balance(1, usd("8.50"), usd("2.00"))
        assert await b.debit(1, usd("6.50")) == Balance(1, usd("2.00"), usd("2.00"))
        assert await b.credit(1, usd("0.01")) == Balance(1, usd("2.01"), usd("2.00"))
        await uow.commit()
    async with persistence.uow() as uow:
        assert await uow.balances.get(1) == Balance(1, usd("2.01"), usd("2.00"))
        assert await uow.balances.get(2) is None


async def test_sums_of_small_amounts_stay_exact(persistence: Persistence) -> None:
    await _funded(persistence, amount="0.10")
    async with persistence.uow() as uow:
        await uow.balances.credit(1, usd("0.20"))
        assert await uow.balances.hold(1, usd("0.30")) == Balance(1, usd("0.30"), usd("0.30"))
        await uow.commit()


@pytest.mark.parametrize("op", ["credit", "debit", "hold", "capture", "release"])
async def test_operations_on_a_user_without_a_balance_raise_unknown_user(persistence: Persistence, op: str) -> None:
    async with persistence.uow() as uow:
        with pytest.raises(UnknownUser):
            await getattr(uow.balances, op)(99, usd("1.00"))


@pytest.mark.parametrize("op", ["debit", "hold"])
async def test_taking_more_than_available_raises_insufficient_funds_with_the_missing_amount(
    persistence: Persistence, op: str
) -> None:
    await _funded(persistence, amount="5.00")
    async with persistence.uow() as uow:
        await uow.balances.hold(1, usd("2.00"))
        with pytest.raises(InsufficientFunds) as caught:
            await getattr(uow.balances, op)(1, usd("3.50"))
        assert caught.value.missing == usd("0.50")
        assert await uow.balances.get(1) == Balance(1, usd("5.00"), usd("2.00"))


@pytest.mark.parametrize("op", ["capture", "release"])
async def test_taking_more_than_held_breaks_the_balance_invariant(persistence: Persistence, op: str) -> None:
    await _funded(persistence, amount="5.00")
    async with persistence.uow() as uow:
        await uow.balances.hold(1, usd("1.00"))
        with pytest.raises(BalanceInvariantViolated):
            await getattr(uow.balances, op)(1, usd("1.01"))
        assert await uow.balances.get(1) == Balance(1, usd("5.00"), usd("1.00"))


@pytest.mark.parametrize("op", ["credit", "debit", "hold", "capture", "release"])
@pytest.mark.parametrize("value", ["0", "-1.00"])
async def test_non_positive_amounts_are_refused(persistence: Persistence, op: str, value: str) -> None:
    await _funded(persistence)
    async with persistence.uow() as uow:
        with pytest.raises(InvalidAmount):
            await getattr(uow.balances, op)(1, usd(value))
        assert await uow.balances.get(1) == Balance(1, usd("10.00"), usd("0"))


async def test_an_amount_in_another_currency_is_refused(persistence: Persistence) -> None:
    await _funded(persistence)
    async with persistence.uow() as uow:
        with pytest.raises(CurrencyMismatch):
            await uow.balances.credit(1, Money.of("1.00", Currency.of("EUR")))


async def test_a_ton_balance_keeps_nine_decimals(persistence: Persistence) -> None:
    ton = Currency.of("TON")
    async with persistence.uow() as uow:
        await uow.users.upsert(user(3))
        await uow.balances.ensure(3, ton)
        balance = await uow.balances.credit(3, Money.of("0.000000001", ton))
        await uow.commit()
    assert balance.amount.amount == Decimal("0.000000001")


async def test_leaving_without_commit_rolls_back(persistence: Persistence) -> None:
    await _funded(persistence)
    uow = persistence.uow()
    async with uow:
        await uow.balances.credit(1, usd("5.00"))
        await uow.users.upsert(user(2))
    async with uow:
        assert await uow.balances.get(1) == Balance(1, usd("10.00"), usd("0"))
        assert await uow.users.get(2) is None


async def test_commit_keeps_the_work_and_the_unit_of_work_goes_on(persistence: Persistence) -> None:
    await _funded(persistence)
    uow = persistence.uow()
    async with uow:
        await uow.balances.credit(1, usd("1.00"))
        await uow.commit()
        await uow.balances.credit(1, usd("2.00"))
        await uow.rollback()
        await uow.balances.credit(1, usd("4.00"))
    async with uow:
        assert await uow.balances.get(1) == Balance(1, usd("11.00"), usd("0"))


async def test_an_exception_inside_the_block_rolls_back(persistence: Persistence) -> None:
    await _funded(persistence)
    uow = persistence.uow()
    with pytest.raises(RuntimeError):
        async with uow:
            await uow.balances.credit(1, usd("1.00"))
            raise RuntimeError
    async with uow:
        assert await uow.balances.get(1) == Balance(1, usd("10.00"), usd("0"))
