from __future__ import annotations

import asyncio

import pytest

from starshop.adapters.inprocess import InProcessCache
from starshop.adapters.redis import RedisCache


async def test_a_value_that_was_set_is_read_back(cache: InProcessCache | RedisCache) -> None:
    await cache.set("price:{u:1}", '{"stars": 50}', ttl=30)

    assert await cache.get("price:{u:1}") == '{"stars": 50}'


async def test_a_missing_key_reads_as_none(cache: InProcessCache | RedisCache) -> None:
    assert await cache.get("never-set") is None


async def test_setting_again_replaces_the_value(cache: InProcessCache | RedisCache) -> None:
    await cache.set("k", "one", ttl=30)
    await cache.set("k", "two", ttl=30)

    assert await cache.get("k") == "two"


async def test_a_value_is_gone_after_its_ttl(cache: InProcessCache | RedisCache) -> None:
    await cache.set("short", "v", ttl=0.15)
    await cache.set("long", "v", ttl=30)

    await asyncio.sleep(0.3)

    assert await cache.get("short") is None
    assert await cache.get("long") == "v"


async def test_delete_removes_several_keys_and_ignores_missing_ones(cache: InProcessCache | RedisCache) -> None:
    await cache.set("a:{u:1}", "1", ttl=30)
    await cache.set("b:{u:2}", "2", ttl=30)
    await cache.set("c", "3", ttl=30)

    await cache.delete("a:{u:1}", "b:{u:2}", "not-there")
    await cache.delete()

    assert [await cache.get(key) for key in ("a:{u:1}", "b:{u:2}", "c")] == [None, None, "3"]


@pytest.mark.parametrize("ttl", [0, -1])
async def test_a_ttl_that_is_not_positive_is_refused(cache: InProcessCache | RedisCache, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await cache.set("k", "v", ttl=ttl)


async def test_in_process_cache_expires_by_its_injected_clock() -> None:
    now = [100.0]
    cache = InProcessCache(clock=lambda: now[0])
    await cache.set("k", "v", ttl=10)

    now[0] = 109.9
    assert await cache.get("k") == "v"
    now[0] = 110.0
    assert await cache.get("k") is None


async def test_in_process_cache_stays_within_its_size_by_dropping_expired_then_oldest() -> None:
    now = [0.0]
    cache = InProcessCache(clock=lambda: now[0], max_entries=2)
    await cache.set("expiring", "x", ttl=1)
    await cache.set("old", "x", ttl=60)
    now[0] = 5
    await cache.set("new", "x", ttl=60)
    await cache.set("newest", "x", ttl=60)

    assert [await cache.get(k) for k in ("expiring", "old", "new", "newest")] == [None, None, "x", "x"]


async def test_add_sets_only_when_absent_and_exactly_once_under_concurrency(cache: InProcessCache | RedisCache) -> None:
    assert await cache.add("once", "a", ttl=30) is True
    assert await cache.add("once", "b", ttl=30) is False
    assert await cache.get("once") == "a"
    results = await asyncio.gather(*(cache.add("race", str(i), ttl=30) for i in range(50)))
    assert results.count(True) == 1
    await cache.delete("once")
    assert await cache.add("once", "c", ttl=30) is True
