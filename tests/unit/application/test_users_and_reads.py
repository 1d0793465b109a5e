import pytest

from starshop.application.errors import UnknownUser
from starshop.application.use_cases.get_history import HistoryQuery
from starshop.application.use_cases.register_user import TelegramProfile, user_cache_key
from starshop.domain import InvalidAmount, InvalidStarAmount

from .conftest import ALICE, fund


async def test_register_user_creates_the_user_and_an_empty_balance(shop):
    user = await shop.register_user(TelegramProfile(user_id=7, username="neo", first_name="Thomas"))
    balance = await shop.get_balance(7)
    assert user.display_name == "@neo"
    assert balance.amount == shop.money("0")
    assert balance.held == shop.money("0")


async def test_register_user_updates_the_profile_keeps_created_at_and_invalidates_the_cache(shop):
    first = await shop.register_user(TelegramProfile(user_id=7, username="neo"))
    await shop.cache.set(user_cache_key(7), "stale", ttl=60)
    shop.clock.advance(__import__("datetime").timedelta(days=1))
    second = await shop.register_user(TelegramProfile(user_id=7, username="the_one", is_premium=True))
    assert second.created_at == first.created_at
    assert second.updated_at > first.updated_at
    assert second.username == "the_one"
    assert await shop.cache.get(user_cache_key(7)) is None


async def test_register_user_twice_keeps_the_balance(shop, alice):
    await fund(shop, alice, "5")
    await shop.register_user(TelegramProfile(user_id=alice, username="alice2"))
    assert (await shop.get_balance(alice)).amount == shop.money("5")


async def test_get_balance_of_an_unknown_user_is_refused(shop):
    with pytest.raises(UnknownUser):
        await shop.get_balance(404)


async def test_history_is_newest_first_and_paginated(shop, alice):
    for amount in ["1", "2", "3"]:
        await fund(shop, alice, amount)
        shop.clock.advance(__import__("datetime").timedelta(seconds=1))
    page1 = await shop.get_history(HistoryQuery(user_id=ALICE, page=1, page_size=2))
    page2 = await shop.get_history(HistoryQuery(user_id=ALICE, page=2, page_size=2))
    assert [t.amount for t in page1.items] == [shop.money("3"), shop.money("2")]
    assert [t.amount for t in page2.items] == [shop.money("1")]
    assert page1.total == 3


@pytest.mark.parametrize(("page", "size"), [(0, 10), (1, 0), (1, 101), (1_000_001, 10), (2**62, 10)])
async def test_history_refuses_bad_pages(shop, page, size):
    with pytest.raises(InvalidAmount):
        await shop.get_history(HistoryQuery(user_id=ALICE, page=page, page_size=size))


async def test_quote_gives_the_exact_rounded_price(shop):
    quote = await shop.quote_stars(100)
    assert quote.price == shop.money("1.65")
    with pytest.raises(InvalidStarAmount):
        await shop.quote_stars(49)
