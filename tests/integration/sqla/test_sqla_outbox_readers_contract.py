"""Outbox, TransactionReader and LedgerReader behave alike on memory, SQLite and Postgres."""

from __future__ import annotations

from decimal import Decimal

import attrs
from sqla_support import USD, Persistence, at, purchase, recharge, usd, user

from starshop.application.ports import LedgerTotals, TransactionFilter
from starshop.domain import Invoice, Transaction, TxStatus, TxType
from starshop.domain.events import BalanceChanged, PurchaseQueued


def _queued(tx_id: str) -> PurchaseQueued:
    return PurchaseQueued(user_id=1, tx_id=tx_id)


async def test_outbox_drops_an_event_whose_key_is_stored_already(persistence: Persistence) -> None:
    changed = BalanceChanged(user_id=1, tx_id="t1", amount=usd("1.00"), held=usd("0.50"), reason="hold")
    async with persistence.uow() as uow:
        await uow.outbox.add(_queued("t1"))
        await uow.outbox.add(_queued("t1"))
        await uow.outbox.add(changed)
        await uow.commit()
    async with persistence.uow() as uow:
        await uow.outbox.add(_queued("t1"))
        await uow.commit()
    async with persistence.outbox_uow() as ouow:
        claimed = await ouow.outbox_reader.claim(now=at(0), lease_until=at(1), limit=10)
        await ouow.commit()
    assert [m.event for m in claimed] == [_queued("t1"), changed]
    assert [m.attempts for m in claimed] == [1, 1]
    assert claimed[0].id < claimed[1].id


async def test_outbox_is_not_stored_without_a_commit(persistence: Persistence) -> None:
    async with persistence.uow() as uow:
        await uow.outbox.add(_queued("t1"))
    async with persistence.outbox_uow() as ouow:
        assert await ouow.outbox_reader.claim(now=at(0), lease_until=at(1), limit=10) == []


async def test_claimed_messages_are_leased_until_expiry_then_claimed_again_and_completed(
    persistence: Persistence,
) -> None:
    async with persistence.uow() as uow:
        for n in range(5):
            await uow.outbox.add(_queued(f"t{n}"))
        await uow.commit()
    async with persistence.outbox_uow() as ouow:
        first = await ouow.outbox_reader.claim(now=at(0), lease_until=at(5), limit=2)
        await ouow.commit()
    async with persistence.outbox_uow() as ouow:
        second = await ouow.outbox_reader.claim(now=at(1), lease_until=at(5), limit=10)
        await ouow.outbox_reader.complete([m.id for m in second])
        await ouow.commit()
    async with persistence.outbox_uow() as ouow:
        assert await ouow.outbox_reader.claim(now=at(4), lease_until=at(9), limit=10) == []
        again = await ouow.outbox_reader.claim(now=at(5), lease_until=at(9), limit=10)
        await ouow.outbox_reader.complete([again[0].id])
        await ouow.outbox_reader.complete([])
        await ouow.commit()
    async with persistence.outbox_uow() as ouow:
        last = await ouow.outbox_reader.claim(now=at(10), lease_until=at(11), limit=10)
    assert [m.event.tx_id for m in first] == ["t0", "t1"]
    assert [m.event.tx_id for m in second] == ["t2", "t3", "t4"]
    assert [(m.event.tx_id, m.attempts) for m in again] == [("t0", 2), ("t1", 2)]
    assert [(m.event.tx_id, m.attempts) for m in last] == [("t1", 3)]


async def _shop(p: Persistence) -> list[Transaction]:
    txs = [
        recharge("r1", 1, status=TxStatus.COMPLETED, amount=usd("10.00"), created_at=at(1)),
        recharge("r2", 1, amount=usd("5.00"), created_at=at(2), flag="odd"),
        purchase("p1", 1, status=TxStatus.COMPLETED, amount=usd("1.65"), created_at=at(3), stars=100),
        purchase("p2", 1, amount=usd("3.30"), created_at=at(4), stars=200),
        purchase("p3", 1, amount=usd("0.80"), created_at=at(4), stars=50, funded=False),
        Transaction(
            id="a1",
            user_id=1,
            type=TxType.ADJUSTMENT,
            status=TxStatus.COMPLETED,
            amount=usd("-0.05"),
            created_at=at(5),
            updated_at=at(5),
        ),
        recharge("r3", 2, status=TxStatus.COMPLETED, amount=usd("2.00"), created_at=at(6), flag="late"),
    ]
    async with p.uow() as uow:
        for user_id in (1, 2, 3):
            await uow.users.upsert(user(user_id))
            await uow.balances.ensure(user_id, USD)
        for tx in txs:
            await uow.transactions.add(tx)
        await uow.balances.credit(1, usd("10.00"))
        await uow.balances.hold(1, usd("1.65"))
        await uow.balances.capture(1, usd("1.65"))
        await uow.balances.debit(1, usd("0.05"))
        await uow.balances.hold(1, usd("3.30"))
        await uow.balances.credit(2, usd("2.50"))  # off by 0.50 from its journal
        await uow.commit()
    return txs


async def test_history_is_newest_first_with_the_total(persistence: Persistence) -> None:
    txs = await _shop(persistence)
    page = await persistence.reader.history(1, limit=3, offset=0)
    assert page.total == 6 and (page.limit, page.offset) == (3, 0)
    assert [tx.id for tx in page.items] == ["a1", "p3", "p2"]
    rest = await persistence.reader.history(1, limit=3, offset=3)
    assert [tx.id for tx in rest.items] == ["p1", "r2", "r1"]
    assert rest.items[2] == txs[0]
    empty = await persistence.reader.history(9, limit=3, offset=0)
    assert (empty.total, list(empty.items)) == (0, [])


async def test_search_filters_by_user_status_type_and_flag(persistence: Persistence) -> None:
    await _shop(persistence)

    async def ids(**filters: object) -> list[str]:
        page = await persistence.reader.search(TransactionFilter(**filters), limit=50, offset=0)  # type: ignore[arg-type]
        assert page.total == len(page.items)
        return [tx.id for tx in page.items]

    assert await ids() == ["r3", "a1", "p3", "p2", "p1", "r2", "r1"]
    assert await ids(user_id=2) == ["r3"]
    assert await ids(status=TxStatus.PENDING) == ["p3", "p2", "r2"]
    assert await ids(type=TxType.RECHARGE, status=TxStatus.COMPLETED) == ["r3", "r1"]
    assert await ids(flagged=True) == ["r3", "r2"]
    assert await ids(flagged=False, user_id=1, type=TxType.PURCHASE) == ["p3", "p2", "p1"]


async def test_search_finds_by_id_order_id_invoice_uuid_and_creation_time(persistence: Persistence) -> None:
    txs = await _shop(persistence)
    invoiced = attrs.evolve(
        recharge("r4", 3, created_at=at(7), order_id="order-r4"),
        invoice=Invoice(uuid="9f0c-uuid", url="https://pay.example/9f0c", expires_at=at(60)),
    )
    async with persistence.uow() as uow:
        await uow.transactions.add(invoiced)
        await uow.commit()

    async def ids(**filters: object) -> list[str]:
        page = await persistence.reader.search(TransactionFilter(**filters), limit=50, offset=0)  # type: ignore[arg-type]
        return [tx.id for tx in page.items]

    assert await ids(tx_id="p2") == ["p2"]
    assert await ids(tx_id="p2", user_id=2) == []
    assert await ids(order_id="order-r4") == ["r4"]
    assert await ids(order_id="r1") == ["r1"]
    assert await ids(invoice_uuid="9f0c-uuid") == ["r4"]
    assert await ids(invoice_uuid="9F0C-UUID") == []
    assert await ids(created_since=at(4), created_before=at(6)) == ["a1", "p3", "p2"]
    assert await ids(created_since=at(6)) == ["r4", "r3"]
    assert await ids(created_before=at(2), status=TxStatus.COMPLETED) == ["r1"]
    page = await persistence.reader.search(TransactionFilter(order_id="order-r4"), limit=50, offset=0)
    assert page.items[0] == invoiced and page.total == 1
    assert len(txs) == 7


async def test_stats_sum_up_the_shop(persistence: Persistence) -> None:
    await _shop(persistence)
    stats = await persistence.reader.stats()
    assert stats.users == 3
    assert stats.transactions_by_status == {"completed": 4, "pending": 3}
    assert stats.completed_recharges == Decimal("12.00")
    assert stats.completed_purchases == Decimal("1.65")
    assert stats.stars_delivered == 100
    assert stats.flagged == 2
    assert stats.total_balance == Decimal("10.80")
    assert stats.total_held == Decimal("3.30")


async def test_stats_of_an_empty_shop(persistence: Persistence) -> None:
    stats = await persistence.reader.stats()
    assert (stats.users, stats.transactions_by_status, stats.stars_delivered, stats.flagged) == (0, {}, 0, 0)
    assert stats.completed_recharges == stats.total_balance == Decimal(0)


async def test_ledger_totals_put_each_balance_next_to_its_journal(persistence: Persistence) -> None:
    await _shop(persistence)
    assert await persistence.ledger.totals() == [
        LedgerTotals(
            user_id=1,
            amount=Decimal("8.30"),
            held=Decimal("3.30"),
            journal_amount=Decimal("8.30"),
            journal_held=Decimal("3.30"),
        ),
        LedgerTotals(
            user_id=2, amount=Decimal("2.50"), held=Decimal(0), journal_amount=Decimal("2.00"), journal_held=Decimal(0)
        ),
        LedgerTotals(user_id=3, amount=Decimal(0), held=Decimal(0), journal_amount=Decimal(0), journal_held=Decimal(0)),
    ]
