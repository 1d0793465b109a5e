"""Drill: Redis goes away twice while the shop is in use, and comes back; nothing is restarted by hand.

The app's Redis is a private ``redis-server`` behind the fault proxy (the database is the shared Postgres). First
the proxy delays every answer past the client's timeout; outage 1 cuts the proxy (connections reset, new ones
refused); outage 2 stops the server itself and starts it again empty, as a lost server would come back.
Proven, against docs/redis.md:

- a slow Redis (answers later than the client waits) costs each call at most its timeout plus one retry;
- cache: reads miss and writes are dropped, without an error; it works again afterwards;
- rate limiter: money-moving actions (purchase, recharge) are refused while Redis is away, nothing is written for
  them; operator credits (not limited) go on; purchases are allowed again afterwards;
- real-time events: published during the outage are dropped; the subscriber reconnects by itself and hears the next;
- task queue: the relay's enqueue fails (the event stays in the outbox), tasks held in the restarted server are
  lost, and the sweep re-drives every funded purchase; a worker started during the outage does not exit;
- money: every purchase committed is bought exactly once (the Fragment fake's orders), balances equal bonuses minus
  delivered purchases, and the audit finds nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter
from decimal import Decimal

import pytest

from starshop.application.errors import RateLimited
from starshop.application.ports import Cache, EventSubscriber
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.application.use_cases.grant_bonus import GrantBonus
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.domain import TxStatus
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.runtime import running
from starshop.entrypoints.settings import Secret, Settings, WorkerSettings
from starshop.entrypoints.worker import worker_pieces
from tests.drills.proxy import FaultProxy
from tests.drills.support import SEED, ScriptedFragment, audit, balances, call, credit, register, transaction, usd
from tests.support import eventually

pytestmark = [pytest.mark.drill, pytest.mark.redis, pytest.mark.postgres]

USERS = [6101, 6102, 6103]
LISTENER = USERS[0]
BONUS = Decimal("100.00")


class Shop:
    def __init__(self, container, fake: ScriptedFragment) -> None:
        self.container, self.fake = container, fake
        self.names = (f"redisdrill_{n:04d}" for n in itertools.count())
        self.purchases: dict[str, str] = {}  # purchase id -> recipient
        self.bonuses: dict[int, Decimal] = dict.fromkeys(USERS, BONUS)
        self.worker = contextlib.AsyncExitStack()

    async def buy(self, user_id: int) -> str:
        """``ok`` (committed), or ``limited`` (refused by the rate limiter: nothing written)."""
        recipient = next(self.names)
        self.fake.users.add(recipient)
        try:
            result = await call(self.container, BuyStars, BuyStarsInput(user_id=user_id, stars=50, recipient=recipient))
        except RateLimited:
            return "limited"
        self.purchases[result.purchase.id] = recipient
        return "ok"

    async def bonus(self, user_id: int, amount: str) -> str:
        tx = (await call(self.container, GrantBonus, credit(user_id, amount))).transaction
        self.bonuses[user_id] += Decimal(amount)
        return str(tx.id)

    async def start_worker(self) -> None:
        cadence = WorkerSettings(relay_every=0.05, sweep_every=0.25)
        await self.worker.enter_async_context(running(worker_pieces(self.container, cadence)))

    async def stop_worker(self) -> None:
        await self.worker.aclose()

    async def statuses(self, ids) -> Counter[TxStatus]:
        return Counter([(await transaction(self.container, tx_id)).status for tx_id in ids])

    async def all_delivered(self) -> bool:
        return (await self.statuses(self.purchases)) == Counter({TxStatus.COMPLETED: len(self.purchases)})


async def test_redis_outages_degrade_as_documented_and_recover_by_themselves(
    pg_url, private_redis, proxies, redis_prefix
):
    proxy = await FaultProxy(target_port=private_redis.port).start()
    proxies.append(proxy)
    fake = ScriptedFragment(seed=SEED, balance=Decimal(10_000))
    async with fake.running() as fragment_url:
        settings = Settings(
            database_url=pg_url,
            redis_url=f"redis://127.0.0.1:{proxy.port}/0",
            redis_prefix=redis_prefix,
            fragment_seed=Secret(SEED),
            fragment_url=fragment_url,
            fragment_timeout=1.0,
            delivery_requeue_after=0.5,
            delivery_lookup_after=3.0,
            delivery_unknown_deadline=60.0,
            rate_limits={"recharge": (100_000, 60.0), "purchase": (100_000, 60.0)},
        )
        container = build_container(settings)
        shop = Shop(container, fake)
        heard: list[str] = []  # tx ids of the events the listener received
        listening = asyncio.Event()

        async def listen() -> None:
            async with (await container.get(EventSubscriber)).subscribe(LISTENER) as events:
                listening.set()
                async for event in events:
                    heard.append(event.tx_id)

        listener = asyncio.create_task(listen())
        try:
            await register(container, *USERS)
            for user in USERS:
                await call(container, GrantBonus, credit(user, str(BONUS)))
            cache = await container.get(Cache)
            await asyncio.wait_for(listening.wait(), 5)

            # --- up: everything works
            await shop.start_worker()
            assert [await shop.buy(user) for user in USERS * 3] == ["ok"] * 9
            await cache.set("drill:{u:1}:probe", "before", ttl=60)
            assert await cache.get("drill:{u:1}:probe") == "before"
            before = await shop.bonus(LISTENER, "1.00")
            await eventually(lambda: _true(before in heard), within=5, what="an event while Redis is up")
            await eventually(shop.all_delivered, within=10, what="deliveries while Redis is up")

            # --- Redis answers, but later than the client waits: each call costs at most its timeout (+1 retry).
            proxy.latency = 2.5
            clock = asyncio.get_running_loop().time
            began = clock()
            miss, limited = await asyncio.gather(cache.get("drill:{u:1}:probe"), shop.buy(LISTENER))
            slow_calls = clock() - began
            proxy.latency = 0.0
            assert (miss, limited) == (None, "limited")
            assert slow_calls < 3.5, f"a slow Redis held a call for {slow_calls:.1f} s"
            await eventually(lambda: cache_is_back(cache), within=10, what="the cache answering again")

            # --- outage 1: the proxy cuts Redis off. Purchases committed just before it wait in the outbox.
            await shop.stop_worker()
            committed = [await shop.buy(user) for user in USERS * 2]
            assert committed == ["ok"] * 6
            waiting = list(shop.purchases)[-6:]
            await proxy.cut()
            assert await cache.get("drill:{u:1}:probe") is None  # a miss, not an error
            await cache.set("drill:{u:1}:probe", "during", ttl=60)  # dropped, not an error
            relayed = await call(container, RelayOutbox)
            assert relayed.failed >= 6, relayed  # enqueue raised: the events stay in the outbox
            await shop.start_worker()  # a worker started while Redis is away keeps trying
            assert [await shop.buy(user) for user in USERS] == ["limited"] * 3
            with pytest.raises(RateLimited):
                await call(container, CreateRecharge, CreateRechargeInput(user_id=LISTENER, amount=usd("5.00")))
            dropped = await shop.bonus(LISTENER, "2.00")  # operator credits are not limited; the event is dropped
            await asyncio.sleep(1.5)
            assert await shop.statuses(waiting) == Counter({TxStatus.PENDING: 6})  # held, neither lost nor refunded
            alive = {task.get_name() for task in asyncio.all_tasks() if not task.done()}
            assert {"relay", "task runner", "sweeper"} <= alive  # no piece of the worker gave up
            await proxy.resume()

            await eventually(shop.all_delivered, within=10, what="the sweep re-driving the purchases of outage 1")
            # The write during the outage was dropped: the server still has the old entry (stale until its TTL).
            assert await cache.get("drill:{u:1}:probe") == "before"
            await cache.set("drill:{u:1}:probe", "after", ttl=60)
            assert await cache.get("drill:{u:1}:probe") == "after"
            after = await shop.bonus(LISTENER, "3.00")
            await eventually(lambda: _true(after in heard), within=10, what="the subscriber hearing events again")
            assert dropped not in heard

            # --- outage 2: the server stops, with delivery tasks queued in it, under a purchase load.
            await shop.stop_worker()
            assert [await shop.buy(user) for user in USERS * 2] == ["ok"] * 6
            queued = list(shop.purchases)[-6:]
            relayed = await call(container, RelayOutbox)
            assert relayed.delivered >= 6, relayed  # the tasks are in Redis now
            load: list[tuple[str, str]] = []  # (phase, outcome)
            phase = "down"
            # The buyer is asked to stop, never cancelled: a purchase can commit and then have its caller cancelled
            # before the result comes back, and the drill would no longer know of a purchase the shop delivers.
            stop_buying = asyncio.Event()

            async def buying() -> None:
                for n in itertools.count():
                    if stop_buying.is_set():
                        return
                    load.append((phase, await shop.buy(USERS[n % len(USERS)])))
                    await asyncio.sleep(0.05)

            await asyncio.to_thread(private_redis.stop)
            buyer = asyncio.create_task(buying())
            await shop.start_worker()
            await asyncio.sleep(1.5)
            phase = "starting"
            await asyncio.to_thread(private_redis.start)  # empty: the queued tasks are gone
            await asyncio.sleep(0.5)  # the client's pooled connections notice the restart
            phase = "up again"
            await asyncio.sleep(1.5)
            stop_buying.set()
            await asyncio.wait_for(buyer, 10)

            outcomes = Counter(load)
            assert outcomes[("down", "limited")] > 0 and outcomes[("down", "ok")] == 0, outcomes
            assert outcomes[("up again", "ok")] > 0 and outcomes[("up again", "limited")] == 0, outcomes
            await eventually(shop.all_delivered, within=10, what="the sweep re-driving the tasks lost with Redis")
            assert set(queued) <= set(shop.purchases)
            final = await shop.bonus(LISTENER, "4.00")
            await eventually(lambda: _true(final in heard), within=10, what="events after the restart")
            await shop.stop_worker()

            # --- money
            orders, attempts = fake.orders_by_recipient(), fake.attempts
            spent = dict.fromkeys(USERS, Decimal(0))
            for tx_id, recipient in shop.purchases.items():
                assert orders[recipient] == 1 and attempts[recipient] == 1, recipient
                tx = await transaction(container, tx_id)
                spent[tx.user_id] += tx.amount.amount
            assert sum(orders.values()) == len(shop.purchases)
            expected = {user: (shop.bonuses[user] - spent[user], Decimal(0)) for user in USERS}
            assert await balances(container, *USERS) == expected
            report = await audit(container)
            assert report.ok, report.violations
            print(
                f"\n{len(shop.purchases)} purchases delivered once each; calls to a slow Redis took {slow_calls:.1f} s;"
                f" load during outage 2: {dict(outcomes)}"
            )
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            await shop.stop_worker()  # nothing left to stop when the drill got to its end
            await container.close()


async def _true(value: bool) -> bool:
    return value


async def cache_is_back(cache: Cache) -> bool:
    return await cache.get("drill:{u:1}:probe") == "before"
