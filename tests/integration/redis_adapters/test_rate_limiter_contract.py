from __future__ import annotations

import asyncio

import pytest
from redis_support import LimiterFactory

from starshop.adapters.inprocess import InProcessRateLimiter
from starshop.application.ports.infra import MAX_COPIES


async def test_hits_are_allowed_up_to_the_limit_then_refused(limiter_factory: LimiterFactory) -> None:
    limiter = limiter_factory({"purchase": (3, 60)})

    assert [await limiter.hit(7, "purchase") for _ in range(5)] == [True, True, True, False, False]


async def test_users_and_actions_are_counted_apart(limiter_factory: LimiterFactory) -> None:
    limiter = limiter_factory({"purchase": (1, 60), "recharge": (1, 60)})

    assert await limiter.hit(1, "purchase")
    assert await limiter.hit(2, "purchase")
    assert await limiter.hit(1, "recharge")
    assert not await limiter.hit(1, "purchase")


async def test_an_action_without_a_configured_limit_is_always_allowed(limiter_factory: LimiterFactory) -> None:
    limiter = limiter_factory({"purchase": (1, 60)})

    assert all([await limiter.hit(1, "balance") for _ in range(50)])


async def test_a_limit_of_zero_refuses_every_hit(limiter_factory: LimiterFactory) -> None:
    limiter = limiter_factory({"purchase": (0, 60)})

    assert not await limiter.hit(1, "purchase")


async def test_hits_are_allowed_again_once_they_slide_out_of_the_window(limiter_factory: LimiterFactory) -> None:
    limiter = limiter_factory({"purchase": (2, 0.3)})
    assert [await limiter.hit(1, "purchase") for _ in range(3)] == [True, True, False]

    await asyncio.sleep(0.4)

    assert [await limiter.hit(1, "purchase") for _ in range(3)] == [True, True, False]


async def test_concurrent_hits_from_two_instances_allow_exactly_the_limit(limiter_factory: LimiterFactory) -> None:
    limits = {"purchase": (37, 60)}
    first, second = limiter_factory(limits), limiter_factory(limits)

    verdicts = await asyncio.gather(*((first if i % 2 else second).hit(42, "purchase") for i in range(200)))

    assert sum(verdicts) == 37


async def test_copies_of_one_keyed_request_count_once_and_other_keys_still_count(
    limiter_factory: LimiterFactory,
) -> None:
    limits = {"purchase": (2, 60)}
    first, second = limiter_factory(limits), limiter_factory(limits)

    copies = await asyncio.gather(*((first if i % 2 else second).hit(5, "purchase", key="k1|a") for i in range(20)))

    assert all(copies)
    assert await first.hit(5, "purchase", key="k2|a")
    assert not await second.hit(5, "purchase", key="k3|a")
    assert not await first.hit(5, "purchase", key="k1|b")  # the same key asking for something else counts anew
    assert not await first.hit(5, "purchase")
    assert await second.hit(5, "purchase", key="k1|a")


async def test_a_keyed_copy_counts_again_once_its_first_hit_left_the_window(limiter_factory: LimiterFactory) -> None:
    limiter = limiter_factory({"purchase": (1, 0.3)})
    assert await limiter.hit(1, "purchase", key="k")
    assert not await limiter.hit(1, "purchase", key="other")

    await asyncio.sleep(0.4)

    assert await limiter.hit(1, "purchase", key="other")
    assert not await limiter.hit(1, "purchase", key="k")


@pytest.mark.parametrize("limits", [{"x": (-1, 60)}, {"x": (1, 0)}])
def test_a_malformed_limit_is_refused_at_construction(limits: dict[str, tuple[int, float]]) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        InProcessRateLimiter(limits)


async def test_in_process_window_slides_by_the_injected_clock() -> None:
    now = [0.0]
    limiter = InProcessRateLimiter({"purchase": (2, 10)}, clock=lambda: now[0])
    assert await limiter.hit(1, "purchase")
    now[0] = 6
    assert await limiter.hit(1, "purchase")
    assert not await limiter.hit(1, "purchase")

    now[0] = 10  # the first hit leaves the window, the second has not
    assert await limiter.hit(1, "purchase")
    assert not await limiter.hit(1, "purchase")


async def test_in_process_limiter_forgets_idle_users() -> None:
    now = [0.0]
    limiter = InProcessRateLimiter({"purchase": (5, 10)}, clock=lambda: now[0], sweep_every=3)
    await limiter.hit(1, "purchase")
    await limiter.hit(2, "purchase")
    now[0] = 20

    await limiter.hit(3, "purchase")

    assert await limiter.hit(1, "purchase")  # user 1 starts afresh
    assert len(limiter._hits) == 2  # users 1 (just now) and 3


async def test_an_in_process_limit_changed_while_running_takes_effect_and_a_dropped_one_is_forgotten() -> None:
    limiter = InProcessRateLimiter({}, sweep_every=2)
    assert await limiter.hit(1, "purchase")  # not limited
    limiter.limits = {"purchase": (1, 60.0)}
    assert await limiter.hit(1, "purchase")
    assert not await limiter.hit(1, "purchase")
    limiter.limits = {"message": (5, 60.0)}

    assert await limiter.hit(1, "purchase")
    assert await limiter.hit(2, "message")
    assert await limiter.hit(3, "message")  # the sweep forgets the hits no limit counts any more
    assert set(limiter._hits) == {(2, "message"), (3, "message")}


async def test_a_key_whose_request_failed_gets_no_free_copies(limiter_factory: LimiterFactory) -> None:
    limiter = limiter_factory({"purchase": (2, 60.0)})
    assert await limiter.hit(9, "purchase", key="k|a")
    await limiter.forget_key(9, "purchase", key="k|a")  # the request was refused: nothing was created
    assert await limiter.hit(9, "purchase", key="k|a")  # its retry is counted as a request of its own
    assert not await limiter.hit(9, "purchase", key="other")  # two counted: the limit is reached
    await limiter.forget_key(9, "purchase", key="k|a")
    assert not await limiter.hit(9, "purchase", key="k|a")


async def test_copies_of_one_key_pass_uncounted_only_up_to_a_bound(limiter_factory: LimiterFactory) -> None:
    limiter = limiter_factory({"purchase": (2, 60.0)})
    copies = [await limiter.hit(9, "purchase", key="k|a") for _ in range(1 + MAX_COPIES)]
    assert all(copies)
    assert await limiter.hit(9, "purchase", key="k|a")  # past the bound a copy counts: the second hit of two
    assert not await limiter.hit(9, "purchase", key="k|a")
