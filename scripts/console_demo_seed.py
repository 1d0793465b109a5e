"""Fill a migrated database with eight weeks of a made-up shop's history, for the console's screenshots
(docs/console.md): users top up and buy; every balance agrees with its journal. Usage:
``python scripts/console_demo_seed.py sqlite+aiosqlite:///./demo.db``."""

import asyncio
import random
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from starshop.adapters.sqla.engine import create_engine
from starshop.adapters.sqla.uow import SqlaUnitOfWork
from starshop.domain import Currency, Money, PayWith, Transaction, TxStatus, TxType, User

USD = Currency.of("USD")


class _Now:
    def now(self) -> datetime:
        return datetime.now(UTC)


async def main(url):
    engine = create_engine(url, pool_size=2, max_overflow=0)
    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=56)
    uow = SqlaUnitOfWork(engine, _Now())
    names = [
        "alice",
        "bob_k",
        "carol",
        "dmitry",
        "eva_s",
        "fedor",
        "gleb",
        "hanna",
        "ivan_p",
        "julia",
        "kirill",
        "lena",
        "max",
        "nina",
        "oleg",
        "polina",
    ]
    async with uow:
        n = 0
        for i, name in enumerate(names):
            uid = 1000 + i
            joined = start + timedelta(days=rng.randrange(50), hours=rng.randrange(24))
            await uow.users.upsert(
                User(
                    user_id=uid,
                    username=name,
                    first_name=name.split("_")[0].title(),
                    created_at=joined,
                    updated_at=joined,
                    language_code=rng.choice(["en", "ru"]),
                )
            )
            await uow.balances.ensure(uid, USD)
            t = joined
            while True:
                t += timedelta(hours=rng.randrange(6, 90))
                if t > now - timedelta(minutes=5):
                    break
                n += 1
                amount = Money.of(rng.choice(["5.00", "10.00", "20.00", "25.00", "50.00"]), USD)
                status = TxStatus.COMPLETED if rng.random() < 0.85 else TxStatus.EXPIRED
                await uow.transactions.add(
                    Transaction(
                        id=f"r{n:05d}",
                        user_id=uid,
                        type=TxType.RECHARGE,
                        status=status,
                        amount=amount,
                        invoice_amount=amount,
                        order_id=f"r{n:05d}",
                        expires_at=t + timedelta(hours=1),
                        created_at=t,
                        updated_at=t,
                    )
                )
                if status is TxStatus.COMPLETED:
                    await uow.balances.credit(uid, amount)
                    left = amount.amount
                    for k in range(rng.randrange(1, 4)):
                        stars = rng.choice([50, 100, 250, 500])
                        price = Money.rounded_up(Decimal(stars) * Decimal("0.015") * Decimal("1.10"), USD)
                        if price.amount > left:
                            break
                        left -= price.amount
                        n += 1
                        pt = t + timedelta(minutes=5 + k)
                        pst = TxStatus.COMPLETED if rng.random() < 0.9 else TxStatus.FAILED
                        await uow.transactions.add(
                            Transaction(
                                id=f"p{n:05d}",
                                user_id=uid,
                                type=TxType.PURCHASE,
                                status=pst,
                                amount=price,
                                stars=stars,
                                recipient=f"gift_{rng.randrange(10**6)}",
                                pay_with=PayWith.BALANCE,
                                funded=True,
                                created_at=pt,
                                updated_at=pt,
                            )
                        )
                        if pst is TxStatus.COMPLETED:
                            await uow.balances.hold(uid, price)
                            await uow.balances.capture(uid, price)
        await uow.commit()
    await engine.dispose()


asyncio.run(main(sys.argv[1]))
