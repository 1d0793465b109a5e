"""The in-memory database: one lock serialises units of work, and an uncommitted one leaves no trace."""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Self

import attrs

from starshop.adapters.inprocess.activity import activity_of
from starshop.adapters.inprocess.alerts import InMemoryAlerts, InMemoryWebhooks
from starshop.adapters.inprocess.broadcasts import InMemoryBroadcasts, Recipient, StoredBroadcast
from starshop.adapters.inprocess.promo import InMemoryPromoCodes
from starshop.adapters.inprocess.referrals import InMemoryReferrals
from starshop.adapters.inprocess.settings import InMemorySettings
from starshop.adapters.inprocess.waiting_orders import InMemoryWaitingOrders
from starshop.application.errors import DuplicateTransaction, UnknownUser
from starshop.application.ports import (
    Activity,
    Bucket,
    ClaimResult,
    CreditSnapshot,
    LedgerTotals,
    OutboxMessage,
    Page,
    PromoRedemption,
    QuarantinedMessage,
    ReceivedWebhook,
    Released,
    SettingsAuditEntry,
    ShopStats,
    TransactionFilter,
)
from starshop.domain import (
    PREMIUM_MONTHS,
    Alert,
    Balance,
    Currency,
    DailyUsage,
    Money,
    Product,
    PromoCode,
    Referral,
    Transaction,
    TxStatus,
    TxType,
    User,
    WaitingOrder,
)
from starshop.domain.events import Event


@attrs.define
class _Tables:
    users: dict[int, User] = attrs.Factory(dict)
    balances: dict[int, Balance] = attrs.Factory(dict)
    transactions: dict[str, Transaction] = attrs.Factory(dict)
    outbox: dict[int, OutboxMessage] = attrs.Factory(dict)
    outbox_keys: set[str] = attrs.Factory(set)
    leases: dict[int, datetime] = attrs.Factory(dict)
    next_outbox_id: int = 1
    promo_codes: dict[str, PromoCode] = attrs.Factory(dict)
    promo_redemptions: list[PromoRedemption] = attrs.Factory(list)
    referrals: dict[int, Referral] = attrs.Factory(dict)
    settings: dict[str, str] = attrs.Factory(dict)
    settings_audit: list[SettingsAuditEntry] = attrs.Factory(list)
    alerts: dict[int, Alert] = attrs.Factory(dict)
    webhooks: list[ReceivedWebhook] = attrs.Factory(list)
    broadcasts: dict[str, StoredBroadcast] = attrs.Factory(dict)
    recipients: dict[tuple[str, int], Recipient] = attrs.Factory(dict)
    waiting_orders: dict[str, WaitingOrder] = attrs.Factory(dict)

    def copy(self) -> _Tables:
        return _Tables(
            dict(self.users),
            dict(self.balances),
            dict(self.transactions),
            dict(self.outbox),
            set(self.outbox_keys),
            dict(self.leases),
            self.next_outbox_id,
            dict(self.promo_codes),
            list(self.promo_redemptions),
            dict(self.referrals),
            dict(self.settings),
            list(self.settings_audit),
            dict(self.alerts),
            list(self.webhooks),
            dict(self.broadcasts),
            dict(self.recipients),
            dict(self.waiting_orders),
        )


class InMemoryStore:
    """Shared by every unit of work of one process (or one test)."""

    def __init__(self) -> None:
        self.tables = _Tables()
        self.lock = asyncio.Lock()
        self.commits = 0


class _Users:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    async def get(self, user_id: int) -> User | None:
        return self._t.users.get(user_id)

    async def with_username(self, username: str, *, limit: int) -> list[User]:
        wanted = username.lower()
        found = [u for u in self._t.users.values() if u.username is not None and u.username.lower() == wanted]
        return sorted(found, key=lambda u: u.user_id)[:limit]

    async def upsert(self, user: User) -> User:
        old = self._t.users.get(user.user_id)
        if old is not None:
            user = attrs.evolve(user, created_at=old.created_at, language=old.language)
        self._t.users[user.user_id] = user
        return user

    async def set_language(self, user_id: int, language: str, at: datetime) -> bool:
        old = self._t.users.get(user_id)
        if old is None:
            return False
        self._t.users[user_id] = attrs.evolve(old, language=language, updated_at=at)
        return True


class _Balances:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    async def get(self, user_id: int) -> Balance | None:
        return self._t.balances.get(user_id)

    async def ensure(self, user_id: int, currency: Currency) -> Balance:
        return self._t.balances.setdefault(user_id, Balance.empty(user_id, currency))

    def _change(self, user_id: int, op: str, amount: Money) -> Balance:
        current = self._t.balances.get(user_id)
        if current is None:
            msg = f"user {user_id} has no balance"
            raise UnknownUser(msg)
        changed: Balance = getattr(current, op)(amount)
        self._t.balances[user_id] = changed
        return changed

    async def credit(self, user_id: int, amount: Money) -> Balance:
        return self._change(user_id, "credit", amount)

    async def debit(self, user_id: int, amount: Money) -> Balance:
        return self._change(user_id, "debit", amount)

    async def hold(self, user_id: int, amount: Money) -> Balance:
        return self._change(user_id, "hold", amount)

    async def capture(self, user_id: int, amount: Money) -> Balance:
        return self._change(user_id, "capture", amount)

    async def release(self, user_id: int, amount: Money) -> Balance:
        return self._change(user_id, "release", amount)


def _open_purchases(t: _Tables) -> list[Transaction]:
    return [tx for tx in t.transactions.values() if tx.type is TxType.PURCHASE and tx.status.is_open]


class _Transactions:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    async def add(self, tx: Transaction) -> None:
        for other in self._t.transactions.values():
            same_key = tx.idempotency_key is not None and (other.user_id, other.idempotency_key) == (
                tx.user_id,
                tx.idempotency_key,
            )
            same_order = tx.order_id is not None and other.order_id == tx.order_id
            same_reward = tx.reward_for is not None and other.reward_for == tx.reward_for
            if other.id == tx.id or same_key or same_order or same_reward:
                msg = f"transaction {tx.id} clashes with {other.id}"
                raise DuplicateTransaction(msg)
        self._t.transactions[tx.id] = tx

    async def get(self, tx_id: str, *, lock: bool = False) -> Transaction | None:
        return self._t.transactions.get(tx_id)

    async def by_order_id(self, order_id: str, *, lock: bool = False) -> Transaction | None:
        return next((tx for tx in self._t.transactions.values() if tx.order_id == order_id), None)

    async def by_idempotency_key(self, user_id: int, key: str) -> Transaction | None:
        return next(
            (tx for tx in self._t.transactions.values() if tx.user_id == user_id and tx.idempotency_key == key),
            None,
        )

    async def update(self, tx: Transaction) -> None:
        if tx.id not in self._t.transactions:
            msg = f"no transaction {tx.id} to update"
            raise KeyError(msg)
        self._t.transactions[tx.id] = tx

    async def invoice_of(self, purchase_id: str) -> Transaction | None:
        return next((tx for tx in self._t.transactions.values() if tx.purchase_id == purchase_id), None)

    async def claim_delivery(self, tx_id: str, at: datetime) -> ClaimResult:
        tx = self._t.transactions.get(tx_id)
        if tx is None or tx.type is not TxType.PURCHASE or tx.status is not TxStatus.PENDING or not tx.funded:
            return ClaimResult.NOT_CLAIMABLE
        for other in _open_purchases(self._t):
            busy = other.status is TxStatus.PROCESSING and (other.stars, other.months) == (tx.stars, tx.months)
            if busy and (other.recipient or "").lower() == (tx.recipient or "").lower():
                return ClaimResult.BUSY
        claimed = attrs.evolve(tx, status=TxStatus.PROCESSING, attempt_started_at=at, updated_at=at)
        self._t.transactions[tx_id] = claimed
        return ClaimResult.CLAIMED

    async def in_flight_for(
        self, recipient: str, stars: int | None, *, months: int | None = None
    ) -> Transaction | None:
        return next(
            (
                tx
                for tx in _open_purchases(self._t)
                if tx.status is TxStatus.PROCESSING
                and (tx.stars, tx.months) == (stars, months)
                and (tx.recipient or "").lower() == recipient.lower()
            ),
            None,
        )

    async def receipts_for(
        self, recipient: str, stars: int | None, *, since: datetime, months: int | None = None
    ) -> frozenset[str]:
        return frozenset(
            tx.receipt.ref_id
            for tx in self._t.transactions.values()
            if tx.receipt is not None
            and (tx.stars, tx.months) == (stars, months)
            and (tx.recipient or "").lower() == recipient.lower()
            and tx.created_at >= since
        )

    async def daily_usage(self, user_id: int, since: datetime) -> DailyUsage:
        counted = [
            tx
            for tx in self._t.transactions.values()
            if tx.user_id == user_id
            and tx.type is TxType.PURCHASE
            and tx.created_at >= since
            and tx.status not in (TxStatus.FAILED, TxStatus.CANCELLED, TxStatus.EXPIRED)
        ]
        return DailyUsage(purchases=len(counted), stars=sum(tx.stars or 0 for tx in counted))

    async def open_recharges(
        self, *, expiring_before: datetime, checked_before: datetime, limit: int
    ) -> list[Transaction]:
        found = [
            tx
            for tx in self._t.transactions.values()
            if tx.type is TxType.RECHARGE
            and tx.status.is_open
            and tx.expires_at is not None
            and tx.expires_at < expiring_before
            and (tx.checked_at is None or tx.checked_at < checked_before)
        ]
        return sorted(found, key=lambda tx: (tx.expires_at, tx.id))[:limit]

    async def queued_purchases(self, *, updated_before: datetime, limit: int) -> list[Transaction]:
        found = [
            tx
            for tx in _open_purchases(self._t)
            if tx.status is TxStatus.PENDING and tx.funded and tx.updated_at < updated_before
        ]
        return sorted(found, key=lambda tx: (tx.updated_at, tx.id))[:limit]

    async def in_flight_purchases(self, *, started_before: datetime, limit: int) -> list[Transaction]:
        found = [
            tx
            for tx in _open_purchases(self._t)
            if tx.status is TxStatus.PROCESSING
            and tx.attempt_started_at is not None
            and tx.attempt_started_at < started_before
        ]
        return sorted(found, key=lambda tx: (tx.updated_at, tx.id))[:limit]  # least recently looked at first


class _Outbox:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    async def add(self, event: Event) -> None:
        if event.key in self._t.outbox_keys:
            return
        self._t.outbox_keys.add(event.key)
        message_id = self._t.next_outbox_id
        self._t.next_outbox_id += 1
        self._t.outbox[message_id] = OutboxMessage(id=message_id, event=event)


class _Credits:
    """Units of work here run one at a time, so nothing changes between the read and the write but the caller."""

    def __init__(self, t: _Tables) -> None:
        self._t = t

    async def snapshot(self, order_id: str) -> CreditSnapshot | None:
        tx = next((tx for tx in self._t.transactions.values() if tx.order_id == order_id), None)
        balance = None if tx is None else self._t.balances.get(tx.user_id)
        if tx is None or balance is None:
            return None
        has_order = tx.id in self._t.waiting_orders
        return CreditSnapshot(tx=tx, balance=balance, version=(tx, balance), has_order=has_order)

    async def apply(
        self,
        seen: CreditSnapshot,
        tx: Transaction,
        balance: Balance,
        events: Sequence[Event],
        webhook: ReceivedWebhook | None = None,
    ) -> bool:
        if webhook is not None and webhook.tx_id != tx.id:
            msg = f"the webhook is for {webhook.tx_id}, not for the credited {tx.id}"
            raise ValueError(msg)
        if (self._t.transactions.get(tx.id), self._t.balances.get(balance.user_id)) != seen.version:
            return False
        self._t.transactions[tx.id] = tx
        self._t.balances[balance.user_id] = balance
        for event in events:
            await _Outbox(self._t).add(event)
        if webhook is not None:
            await InMemoryWebhooks(self._t.webhooks).record(webhook)
        return True


class _OutboxReader:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    async def claim(self, *, now: datetime, lease_until: datetime, limit: int) -> list[OutboxMessage]:
        free = [m for m in self._t.outbox.values() if self._t.leases.get(m.id, now) <= now][:limit]
        claimed = []
        for message in free:
            self._t.leases[message.id] = lease_until
            bumped = attrs.evolve(message, attempts=message.attempts + 1)
            self._t.outbox[message.id] = bumped
            claimed.append(bumped)
        return claimed

    async def complete(self, ids: Sequence[int]) -> None:
        for message_id in ids:
            self._t.outbox.pop(message_id, None)
            self._t.leases.pop(message_id, None)

    async def quarantined(self, *, limit: int) -> list[QuarantinedMessage]:
        return []  # events are kept as objects here: none is ever unreadable

    async def release(self, message_id: int) -> Released:
        return Released.WAITING if message_id in self._t.outbox else Released.UNKNOWN


class _Scope(abc.ABC):
    """Enter: wait for the store's lock and work on a copy. Commit: publish the copy. Exit: release."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._work: _Tables | None = None

    async def __aenter__(self) -> Self:
        await self._store.lock.acquire()
        self._work = self._store.tables.copy()
        self._bind(self._work)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._work = None
        self._store.lock.release()

    async def commit(self) -> None:
        if self._work is None:
            msg = "commit outside a unit of work"
            raise RuntimeError(msg)
        self._store.tables = self._work
        self._store.commits += 1
        self._work = self._work.copy()
        self._bind(self._work)

    async def rollback(self) -> None:
        if self._work is not None:
            self._work = self._store.tables.copy()
            self._bind(self._work)

    @abc.abstractmethod
    def _bind(self, t: _Tables) -> None: ...


class InMemoryUnitOfWork(_Scope):
    def _bind(self, t: _Tables) -> None:
        self.users = _Users(t)
        self.balances = _Balances(t)
        self.transactions = _Transactions(t)
        self.outbox = _Outbox(t)
        self.promo_codes = InMemoryPromoCodes(t.promo_codes, t.promo_redemptions)
        self.referrals = InMemoryReferrals(t.referrals, t.transactions)
        self.settings = InMemorySettings(t.settings, t.settings_audit)
        self.credits = _Credits(t)
        self.alerts = InMemoryAlerts(t.alerts)
        self.webhooks = InMemoryWebhooks(t.webhooks)
        self.broadcasts = InMemoryBroadcasts(t.broadcasts, t.recipients, t.users, t.balances, t.transactions)
        self.waiting_orders = InMemoryWaitingOrders(t.waiting_orders, t.transactions)


class InMemoryOutboxUnitOfWork(_Scope):
    def _bind(self, t: _Tables) -> None:
        self.outbox_reader = _OutboxReader(t)
        self.alerts = InMemoryAlerts(t.alerts)


def _page(items: list[Transaction], limit: int, offset: int) -> Page:
    ordered = sorted(items, key=lambda tx: (tx.created_at, tx.id), reverse=True)
    return Page(items=ordered[offset : offset + limit], total=len(ordered), offset=offset, limit=limit)


class InMemoryTransactionReader:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def history(self, user_id: int, *, limit: int, offset: int) -> Page:
        return _page([tx for tx in self._store.tables.transactions.values() if tx.user_id == user_id], limit, offset)

    async def search(self, flt: TransactionFilter, *, limit: int, offset: int) -> Page:
        def keep(tx: Transaction) -> bool:
            return (
                (flt.user_id is None or tx.user_id == flt.user_id)
                and (flt.status is None or tx.status is flt.status)
                and (flt.type is None or tx.type is flt.type)
                and (flt.flagged is None or (tx.flag is not None) == flt.flagged)
                and (flt.tx_id is None or tx.id == flt.tx_id)
                and (flt.order_id is None or tx.order_id == flt.order_id)
                and (flt.invoice_uuid is None or (tx.invoice is not None and tx.invoice.uuid == flt.invoice_uuid))
                and (flt.created_since is None or tx.created_at >= flt.created_since)
                and (flt.created_before is None or tx.created_at < flt.created_before)
            )

        return _page([tx for tx in self._store.tables.transactions.values() if keep(tx)], limit, offset)

    async def activity(self, *, since: datetime, until: datetime, bucket: Bucket) -> Activity:
        t = self._store.tables
        return activity_of(t.transactions.values(), t.users.values(), since=since, until=until, bucket=bucket)

    async def stats(self) -> ShopStats:
        t = self._store.tables
        txs = list(t.transactions.values())
        by_status: dict[str, int] = {}
        for tx in txs:
            by_status[tx.status.value] = by_status.get(tx.status.value, 0) + 1

        def total(kind: TxType) -> Decimal:
            return sum(
                (tx.amount.amount for tx in txs if tx.type is kind and tx.status is TxStatus.COMPLETED), Decimal(0)
            )

        return ShopStats(
            users=len(t.users),
            transactions_by_status=by_status,
            completed_recharges=total(TxType.RECHARGE),
            completed_purchases=total(TxType.PURCHASE),
            stars_delivered=sum(
                tx.stars or 0 for tx in txs if tx.type is TxType.PURCHASE and tx.status is TxStatus.COMPLETED
            ),
            flagged=sum(1 for tx in txs if tx.flag is not None),
            total_balance=sum((b.amount.amount for b in t.balances.values()), Decimal(0)),
            total_held=sum((b.held.amount for b in t.balances.values()), Decimal(0)),
        )


class InMemoryLedgerReader:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def purchases_to_audit(self, *, started_since: datetime, refs: Collection[str]) -> list[Transaction]:
        wanted = set(refs)
        return [
            tx
            for tx in self._store.tables.transactions.values()
            if tx.type is TxType.PURCHASE
            and (
                (tx.attempt_started_at is not None and tx.attempt_started_at >= started_since)
                or (tx.receipt is not None and tx.receipt.ref_id in wanted)
            )
        ]

    async def totals(self) -> list[LedgerTotals]:
        t = self._store.tables
        result = []
        for user_id, balance in sorted(t.balances.items()):
            txs = [tx for tx in t.transactions.values() if tx.user_id == user_id]
            journal = sum((tx.ledger_effect.amount for tx in txs if tx.status is TxStatus.COMPLETED), Decimal(0))
            held = sum((tx.amount.amount for tx in txs if tx.holds_funds), Decimal(0))
            malformed = sum(1 for tx in txs if tx.type is TxType.PURCHASE and not _names_its_product(tx))
            result.append(
                LedgerTotals(
                    user_id=user_id,
                    amount=balance.amount.amount,
                    held=balance.held.amount,
                    journal_amount=journal,
                    journal_held=held,
                    malformed_purchases=malformed,
                )
            )
        return result


def _names_its_product(tx: Transaction) -> bool:
    if tx.product is Product.PREMIUM:
        return tx.stars is None and tx.months in PREMIUM_MONTHS
    return tx.months is None and tx.stars is not None and tx.stars > 0
