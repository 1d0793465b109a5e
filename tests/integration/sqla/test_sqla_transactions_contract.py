"""TransactionRepository behaves alike on memory, SQLite and Postgres."""

from __future__ import annotations

import pytest
from sqla_support import USD, Persistence, at, purchase, recharge, usd, user

from starshop.application.errors import DuplicateTransaction
from starshop.application.ports import ClaimResult
from starshop.domain import (
    DailyUsage,
    DeliveryReceipt,
    Invoice,
    PayWith,
    Transaction,
    TxStatus,
    TxType,
)


async def _users(p: Persistence, *ids: int) -> None:
    async with p.uow() as uow:
        for user_id in ids:
            await uow.users.upsert(user(user_id))
            await uow.balances.ensure(user_id, USD)
        await uow.commit()


async def _add(p: Persistence, *txs: Transaction) -> None:
    async with p.uow() as uow:
        for tx in txs:
            await uow.transactions.add(tx)
        await uow.commit()


async def test_a_transaction_with_every_field_set_comes_back_equal(persistence: Persistence) -> None:
    await _users(persistence, 1)
    full = recharge(
        "r1",
        1,
        description="top up",
        idempotency_key="k1",
        request_fingerprint="fp",
        flag="look at me",
        invoice=Invoice(uuid="u-1", url="https://pay.example/u-1", expires_at=at(30)),
        gateway_status="check",
        checked_at=at(3),
        purchase_id="p9",
        actor=42,
    )
    bought = purchase(
        "p1",
        1,
        status=TxStatus.PROCESSING,
        pay_with=PayWith.INVOICE,
        attempt_started_at=at(2),
        outcome_unknown=True,
        receipt=DeliveryReceipt(ref_id="ref", tx_hash="hash", cost="0.5 TON"),
        failure_reason="nope",
    )
    adjustment = Transaction(
        id="a1",
        user_id=1,
        type=TxType.ADJUSTMENT,
        status=TxStatus.COMPLETED,
        amount=usd("-2.25"),
        created_at=at(1),
        updated_at=at(1),
    )
    await _add(persistence, full, bought, adjustment)
    async with persistence.uow() as uow:
        assert await uow.transactions.get("r1") == full
        assert await uow.transactions.get("p1", lock=True) == bought
        assert await uow.transactions.get("a1") == adjustment
        assert await uow.transactions.get("nope") is None


async def test_update_replaces_the_stored_row(persistence: Persistence) -> None:
    await _users(persistence, 1)
    await _add(persistence, recharge("r1", 1))
    changed = recharge("r1", 1).moved_to(TxStatus.COMPLETED, at(5)).flagged("odd", at(5))
    async with persistence.uow() as uow:
        await uow.transactions.update(changed)
        await uow.commit()
    async with persistence.uow() as uow:
        assert await uow.transactions.get("r1") == changed
        with pytest.raises(KeyError):
            await uow.transactions.update(recharge("ghost", 1))


async def test_lookups_by_order_id_idempotency_key_and_purchase(persistence: Persistence) -> None:
    await _users(persistence, 1, 2)
    paying = recharge("r1", 1, order_id="order-1", purchase_id="p1")
    await _add(persistence, purchase("p1", 1, idempotency_key="key"), paying)
    async with persistence.uow() as uow:
        tx = uow.transactions
        assert await tx.by_order_id("order-1", lock=True) == paying
        assert await tx.by_order_id("order-2") is None
        found = await tx.by_idempotency_key(1, "key")
        assert found is not None and found.id == "p1"
        assert await tx.by_idempotency_key(2, "key") is None
        assert await tx.invoice_of("p1") == paying
        assert await tx.invoice_of("p2") is None


@pytest.mark.parametrize(
    "clash",
    [
        recharge("r1", 2, order_id="other"),  # same id
        recharge("r2", 2, order_id="order-1"),  # same order id
        purchase("p2", 1, idempotency_key="key"),  # same key for the same user
    ],
    ids=["id", "order_id", "idempotency_key"],
)
async def test_a_clashing_transaction_is_refused_and_the_unit_of_work_goes_on(
    persistence: Persistence, clash: Transaction
) -> None:
    await _users(persistence, 1, 2)
    await _add(persistence, recharge("r1", 1, order_id="order-1"), purchase("p1", 1, idempotency_key="key"))
    async with persistence.uow() as uow:
        await uow.balances.credit(1, usd("1.00"))
        with pytest.raises(DuplicateTransaction):
            await uow.transactions.add(clash)
        await uow.transactions.add(purchase("p3", 2, idempotency_key="key"))
        await uow.commit()
    async with persistence.uow() as uow:
        assert (await uow.transactions.get("p3")) is not None
        balance = await uow.balances.get(1)
        assert balance is not None and balance.amount == usd("1.00")


async def test_claim_delivery_moves_a_funded_pending_purchase_to_processing_once(persistence: Persistence) -> None:
    await _users(persistence, 1)
    await _add(
        persistence,
        purchase("p1", 1),
        purchase("p2", 1, funded=False, stars=200),
        purchase("p3", 1, status=TxStatus.COMPLETED, stars=300),
        recharge("r1", 1),
    )
    async with persistence.uow() as uow:
        tx = uow.transactions
        assert await tx.claim_delivery("p1", at(5)) is ClaimResult.CLAIMED
        assert await tx.claim_delivery("p1", at(6)) is ClaimResult.NOT_CLAIMABLE
        assert await tx.claim_delivery("p2", at(6)) is ClaimResult.NOT_CLAIMABLE
        assert await tx.claim_delivery("p3", at(6)) is ClaimResult.NOT_CLAIMABLE
        assert await tx.claim_delivery("r1", at(6)) is ClaimResult.NOT_CLAIMABLE
        assert await tx.claim_delivery("ghost", at(6)) is ClaimResult.NOT_CLAIMABLE
        await uow.commit()
    async with persistence.uow() as uow:
        assert await uow.transactions.get("p1") == purchase(
            "p1", 1, status=TxStatus.PROCESSING, attempt_started_at=at(5), updated_at=at(5)
        )


async def test_claim_delivery_is_busy_while_the_same_stars_for_the_same_recipient_are_in_flight(
    persistence: Persistence,
) -> None:
    await _users(persistence, 1, 2)
    await _add(
        persistence,
        purchase("p1", 1, recipient="SomeBody"),
        purchase("p2", 2, recipient="somebody"),
        purchase("p3", 2, recipient="somebody", stars=150),
    )
    async with persistence.uow() as uow:
        assert await uow.transactions.claim_delivery("p1", at(1)) is ClaimResult.CLAIMED
        assert await uow.transactions.claim_delivery("p2", at(1)) is ClaimResult.BUSY
        assert await uow.transactions.claim_delivery("p3", at(1)) is ClaimResult.CLAIMED
        await uow.commit()
    async with persistence.uow() as uow:
        p2 = await uow.transactions.get("p2")
        assert p2 is not None and p2.status is TxStatus.PENDING
        p1 = await uow.transactions.get("p1")
        assert p1 is not None
        await uow.transactions.update(p1.moved_to(TxStatus.COMPLETED, at(2)))
        assert await uow.transactions.claim_delivery("p2", at(3)) is ClaimResult.CLAIMED
        await uow.commit()


async def test_in_flight_for_finds_the_purchase_of_the_same_stars_for_the_same_recipient_being_delivered(
    persistence: Persistence,
) -> None:
    await _users(persistence, 1)
    await _add(
        persistence,
        purchase("p1", 1, recipient="SomeBody"),
        purchase("p2", 1, recipient="somebody", stars=150, status=TxStatus.PROCESSING, attempt_started_at=at(1)),
        purchase("p3", 1, recipient="somebody", status=TxStatus.COMPLETED),
    )
    async with persistence.uow() as uow:
        assert await uow.transactions.in_flight_for("SOMEBODY", 100) is None
        assert await uow.transactions.claim_delivery("p1", at(2)) is ClaimResult.CLAIMED
        found = await uow.transactions.in_flight_for("SOMEBODY", 100)
        assert found is not None and found.id == "p1"
        other = await uow.transactions.in_flight_for("somebody", 150)
        assert other is not None and other.id == "p2"
        assert await uow.transactions.in_flight_for("nobody_at_all", 100) is None


async def test_receipts_for_lists_refs_of_the_same_stars_and_recipient_since_a_time(
    persistence: Persistence,
) -> None:
    await _users(persistence, 1)
    receipt = DeliveryReceipt
    await _add(
        persistence,
        purchase("p1", 1, status=TxStatus.COMPLETED, receipt=receipt(ref_id="a"), recipient="Bob_the_1"),
        purchase("p2", 1, status=TxStatus.COMPLETED, receipt=receipt(ref_id="b"), recipient="bob_the_1"),
        purchase("p3", 1, status=TxStatus.COMPLETED, receipt=receipt(ref_id="c"), stars=200, recipient="bob_the_1"),
        purchase("p4", 1, status=TxStatus.COMPLETED, receipt=receipt(ref_id="d"), created_at=at(-10)),
        purchase("p5", 1, recipient="bob_the_1", stars=500),
    )
    async with persistence.uow() as uow:
        assert await uow.transactions.receipts_for("BOB_THE_1", 100, since=at(0)) == frozenset({"a", "b"})
        assert await uow.transactions.receipts_for("somebody", 100, since=at(-20)) == frozenset({"d"})
        assert await uow.transactions.receipts_for("nobody", 100, since=at(-20)) == frozenset()


async def test_daily_usage_counts_purchases_since_a_time_that_did_not_fail(persistence: Persistence) -> None:
    await _users(persistence, 1, 2)
    await _add(
        persistence,
        purchase("p1", 1, stars=100),
        purchase("p2", 1, stars=200, status=TxStatus.COMPLETED, recipient="other"),
        purchase("p3", 1, stars=300, status=TxStatus.FAILED),
        purchase("p4", 1, stars=400, status=TxStatus.CANCELLED),
        purchase("p5", 1, stars=500, status=TxStatus.EXPIRED),
        purchase("p6", 1, stars=600, created_at=at(-1)),
        purchase("p7", 2, stars=700),
        recharge("r1", 1),
    )
    async with persistence.uow() as uow:
        assert await uow.transactions.daily_usage(1, at(0)) == DailyUsage(purchases=2, stars=300)
        assert await uow.transactions.daily_usage(3, at(0)) == DailyUsage(purchases=0, stars=0)


async def test_open_recharges_expiring_and_not_checked_recently_oldest_expiry_first(
    persistence: Persistence,
) -> None:
    await _users(persistence, 1)
    await _add(
        persistence,
        recharge("r1", 1, expires_at=at(20)),
        recharge("r2", 1, expires_at=at(10), status=TxStatus.PROCESSING),
        recharge("r3", 1, expires_at=at(15), checked_at=at(9)),
        recharge("r4", 1, expires_at=at(15), checked_at=at(2)),
        recharge("r5", 1, expires_at=at(40)),
        recharge("r6", 1, expires_at=at(5), status=TxStatus.COMPLETED),
        recharge("r7", 1, expires_at=None),
        purchase("p1", 1, expires_at=at(1)),
    )
    async with persistence.uow() as uow:
        found = await uow.transactions.open_recharges(expiring_before=at(30), checked_before=at(5), limit=10)
        assert [tx.id for tx in found] == ["r2", "r4", "r1"]
        limited = await uow.transactions.open_recharges(expiring_before=at(30), checked_before=at(5), limit=2)
        assert [tx.id for tx in limited] == ["r2", "r4"]


async def test_queued_and_in_flight_purchases(persistence: Persistence) -> None:
    await _users(persistence, 1)
    await _add(
        persistence,
        purchase("p1", 1, updated_at=at(3), stars=101),
        purchase("p2", 1, updated_at=at(1), stars=102),
        purchase("p3", 1, updated_at=at(1), funded=False, stars=103),
        purchase("p4", 1, updated_at=at(9), stars=104),
        purchase("p5", 1, status=TxStatus.PROCESSING, attempt_started_at=at(4), updated_at=at(6), stars=105),
        purchase("p6", 1, status=TxStatus.PROCESSING, attempt_started_at=at(2), updated_at=at(7), stars=106),
        purchase("p7", 1, status=TxStatus.PROCESSING, attempt_started_at=at(8), stars=107),
        purchase("p8", 1, status=TxStatus.COMPLETED, attempt_started_at=at(1), updated_at=at(1), stars=108),
    )
    async with persistence.uow() as uow:
        queued = await uow.transactions.queued_purchases(updated_before=at(5), limit=10)
        assert [tx.id for tx in queued] == ["p2", "p1"]
        in_flight = await uow.transactions.in_flight_purchases(started_before=at(5), limit=10)
        assert [tx.id for tx in in_flight] == ["p5", "p6"]  # the least recently looked at first, not the oldest
        assert [tx.id for tx in await uow.transactions.in_flight_purchases(started_before=at(5), limit=1)] == ["p5"]
