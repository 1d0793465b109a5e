"""Persistence ports: repositories by role and the unit of work that commits them together."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from types import TracebackType
from typing import Protocol, Self

import attrs

from starshop.application.ports.broadcasts import BroadcastRepository
from starshop.domain import (
    Alert,
    AlertKind,
    Balance,
    Currency,
    DailyUsage,
    Money,
    PromoCode,
    Referral,
    Transaction,
    TxStatus,
    TxType,
    User,
    WaitingOrder,
)
from starshop.domain.events import Event


class UserRepository(Protocol):
    async def get(self, user_id: int) -> User | None: ...

    async def upsert(self, user: User) -> User:
        """Insert, or update the profile fields of an existing user (keeping ``created_at`` and ``language``)."""
        ...

    async def set_language(self, user_id: int, language: str, at: datetime) -> bool:
        """Store the language the user chose; ``False`` when there is no such user."""
        ...

    async def with_username(self, username: str, *, limit: int) -> list[User]:
        """Users whose stored username is ``username`` in any case (ASCII), lowest id first. Telegram lets a name
        pass to someone else, so a stale profile may share it."""
        ...


class BalanceRepository(Protocol):
    """Every change is atomic in the store (a conditional update or a row lock), never read-modify-write.

    Each raises ``UnknownUser`` when the user has no balance, and ``InsufficientFunds`` when ``hold`` or
    ``debit`` would take more than is available.
    """

    async def get(self, user_id: int) -> Balance | None: ...

    async def ensure(self, user_id: int, currency: Currency) -> Balance: ...

    async def credit(self, user_id: int, amount: Money) -> Balance: ...

    async def debit(self, user_id: int, amount: Money) -> Balance: ...

    async def hold(self, user_id: int, amount: Money) -> Balance: ...

    async def capture(self, user_id: int, amount: Money) -> Balance: ...

    async def release(self, user_id: int, amount: Money) -> Balance: ...


class ClaimResult(StrEnum):
    CLAIMED = "claimed"
    NOT_CLAIMABLE = "not_claimable"  # not a funded pending purchase (already claimed, finished or unfunded)
    BUSY = "busy"  # a purchase of the same stars for the same recipient is in flight or unresolved


class TransactionRepository(Protocol):
    async def add(self, tx: Transaction) -> None:
        """Raises ``DuplicateTransaction`` if its idempotency key (per user) or order id is taken."""
        ...

    async def get(self, tx_id: str, *, lock: bool = False) -> Transaction | None:
        """``lock``: the transaction's owner's balance row is locked first, then the transaction row.

        That is the one lock order of every money path (docs/persistence.md): a unit of work locks the user's
        balance row before any of the user's transaction rows, a recharge before the purchase it pays for."""
        ...

    async def by_order_id(self, order_id: str, *, lock: bool = False) -> Transaction | None:
        """``lock`` as in ``get``: the owner's balance row, then the transaction row."""
        ...

    async def by_idempotency_key(self, user_id: int, key: str) -> Transaction | None: ...

    async def update(self, tx: Transaction) -> None: ...

    async def invoice_of(self, purchase_id: str) -> Transaction | None:
        """The recharge that pays for a purchase paid by its own invoice."""
        ...

    async def claim_delivery(self, tx_id: str, at: datetime) -> ClaimResult:
        """Atomically move a funded pending purchase to ``processing`` with ``attempt_started_at = at``.

        At most one purchase per (recipient, stars) may be ``processing`` at a time, so a later order lookup is
        unambiguous.
        """
        ...

    async def in_flight_for(
        self, recipient: str, stars: int | None, *, months: int | None = None
    ) -> Transaction | None:
        """The purchase of ``stars`` (``None`` and ``months`` of Premium) to ``recipient`` being delivered
        (``processing``) now, if there is one."""
        ...

    async def receipts_for(
        self, recipient: str, stars: int | None, *, since: datetime, months: int | None = None
    ) -> frozenset[str]:
        """Provider refs already recorded on purchases of ``stars`` (``None`` and ``months`` of Premium) to
        ``recipient`` created since ``since``."""
        ...

    async def daily_usage(self, user_id: int, since: datetime) -> DailyUsage:
        """Purchases created since ``since`` that did not fail or get cancelled."""
        ...

    async def open_recharges(
        self, *, expiring_before: datetime, checked_before: datetime, limit: int
    ) -> list[Transaction]:
        """Pending/processing recharges expiring before the first time, not checked since the second."""
        ...

    async def queued_purchases(self, *, updated_before: datetime, limit: int) -> list[Transaction]:
        """Funded ``pending`` purchases nobody claimed since ``updated_before`` (their task may be lost)."""
        ...

    async def in_flight_purchases(self, *, started_before: datetime, limit: int) -> list[Transaction]:
        """``processing`` purchases whose attempt started before the time given, the least recently looked at
        (``updated_at``) first."""
        ...


@attrs.frozen(kw_only=True)
class PromoRedemption:
    """One use of a promo code: the promo credit or the discounted purchase (``tx_id``) it made."""

    code: str
    user_id: int
    tx_id: str
    at: datetime
    once_per_user: bool


class PromoCodeRepository(Protocol):
    """Codes and their uses. The lock order of a use: the user's balance row, then the code's row."""

    async def add(self, code: PromoCode) -> None:
        """Raises ``PromoCodeExists`` when the code is taken."""
        ...

    async def get(self, code: str, *, lock: bool = False) -> PromoCode | None:
        """``lock``: the code's row stays locked until the end of the unit of work, so its uses are counted one at
        a time."""
        ...

    async def update(self, code: PromoCode) -> None: ...

    async def list(self, *, limit: int, offset: int) -> list[PromoCode]:
        """Newest first."""
        ...

    async def used_by(self, code: str, user_id: int) -> bool: ...

    async def add_redemption(self, redemption: PromoRedemption) -> None:
        """Raises ``PromoAlreadyUsed`` when a code usable once per user already has this user's use."""
        ...


@attrs.frozen(kw_only=True)
class ReferralTotals:
    """How many users a referrer invited, and the sum of their completed ``referral`` rewards."""

    invited: int
    earned: Decimal


class ReferralRepository(Protocol):
    """Who invited whom: at most one referrer per user, kept by the store itself."""

    async def of(self, user_id: int) -> Referral | None:
        """Who invited ``user_id``, if anyone."""
        ...

    async def add(self, referral: Referral) -> bool:
        """``False`` (and nothing stored) when the user already has a referrer, however many try at once."""
        ...

    async def purchased(self, user_id: int) -> bool:
        """The user has placed a purchase, whatever became of it."""
        ...

    async def totals(self, referrer_id: int) -> ReferralTotals: ...


class WaitingOrderRepository(Protocol):
    """Orders waiting for a top-up, one per recharge (the recharge's id is the order's)."""

    async def add(self, order: WaitingOrder) -> None: ...

    async def get(self, recharge_id: str, *, lock: bool = False) -> WaitingOrder | None:
        """``lock``: the order's row stays locked until the end of the unit of work."""
        ...

    async def update(self, order: WaitingOrder) -> None: ...

    async def funded(self, *, quiet_since: datetime, limit: int) -> list[str]:
        """The recharge ids of orders still waiting whose top-up is credited (completed), neither the order nor the
        recharge changed since ``quiet_since``; least recently changed order first."""
        ...


@attrs.frozen(kw_only=True)
class SettingsAuditEntry:
    """One setting an operator changed: who (``actor``, e.g. ``api-key:3f9a0c1d`` or ``telegram:42``), when, and the
    stored text before and after (``None``: not overridden, the default applied)."""

    at: datetime
    actor: str
    key: str
    old: str | None
    new: str | None


@attrs.frozen(kw_only=True)
class SettingsAuditPage:
    items: Sequence[SettingsAuditEntry]
    total: int


class SettingsRepository(Protocol):
    """The shop's settings overrides as stored text (``domain.settings``), and their audit trail."""

    async def stored(self, *, lock: bool = False) -> dict[str, str]:
        """Every stored override, key to text (keys this release does not know included). ``lock``: changes are
        made one at a time, the lock held until the end of the unit of work; reads never wait for it."""
        ...

    async def save(self, stored: Mapping[str, str], *, at: datetime, actor: str) -> None:
        """Replace every stored override with ``stored``."""
        ...

    async def record(self, entries: Sequence[SettingsAuditEntry]) -> None: ...

    async def audit(self, *, limit: int, offset: int) -> SettingsAuditPage:
        """Newest first."""
        ...


@attrs.frozen(kw_only=True)
class OutboxMessage:
    id: int
    event: Event
    attempts: int = 0


class Outbox(Protocol):
    async def add(self, event: Event) -> None:
        """Stored in the same commit as the change it reports; an event whose ``key`` is stored already is dropped."""
        ...


@attrs.frozen(kw_only=True)
class QuarantinedMessage:
    """An outbox message this release could not read, kept as stored for an operator."""

    id: int
    key: str
    kind: str
    user_id: int
    payload: object  # as stored: it could not be read as an event
    reason: str
    attempts: int
    created_at: datetime
    quarantined_at: datetime


class Released(StrEnum):
    RELEASED = "released"  # set aside, now back in the outbox for the relay
    WAITING = "waiting"  # not set aside (released before, or never): it waits for the relay already
    UNKNOWN = "unknown"  # no such message (never, or relayed and gone)


class OutboxReader(Protocol):
    """The relay's side: claim a batch under a lease, hand it on, mark it done."""

    async def claim(self, *, now: datetime, lease_until: datetime, limit: int) -> list[OutboxMessage]:
        """Lease up to ``limit`` free messages, oldest first.

        A message this release cannot read as an event (an unknown kind, say from a newer release during a rolling
        deploy, or a damaged payload) is not returned: it is set aside in the same transaction (quarantined at
        ``now``, logged), kept, never claimed again, and listed by ``quarantined``. The others flow."""
        ...

    async def complete(self, ids: Sequence[int]) -> None: ...

    async def quarantined(self, *, limit: int) -> list[QuarantinedMessage]:
        """Messages set aside, oldest first."""
        ...

    async def release(self, message_id: int) -> Released:
        """Put a message set aside back for the relay, as stored (its lease cleared). A release that still cannot
        read it sets it aside again at its next claim. Releasing twice changes nothing more."""
        ...


class AlertBook(Protocol):
    """Alerts for operators, kept so the console lists them; an alert's ``key`` is stored once."""

    async def add(self, alert: Alert) -> bool:
        """Store it unless an alert with its key is stored (however many add it at once); ``True`` when this did."""
        ...

    async def condition(self, kind: AlertKind, subject: str) -> tuple[Alert | None, int]:
        """The open (not cleared) alert of a condition, if any, and how many alerts the condition ever raised."""
        ...

    async def clear(self, kind: AlertKind, subject: str, *, at: datetime) -> None:
        """The condition ended: its open alert is cleared at ``at``."""
        ...

    async def recent(self, *, limit: int, unacknowledged: bool = False) -> list[Alert]:
        """Newest first; only those nobody acknowledged when ``unacknowledged``."""
        ...

    async def acknowledge(self, alert_id: int, *, by: int, at: datetime) -> Alert | None:
        """Mark it seen by operator ``by`` (the first acknowledgement stands); ``None`` when there is no such alert."""
        ...


WEBHOOKS_KEPT = 50  # distinct webhooks kept per recharge; more (only the gateway can sign them) are counted, not kept


@attrs.frozen(kw_only=True)
class ReceivedWebhook:
    """A verified payment webhook for one of our recharges, as received, and what applying it did (``outcome``).

    ``fingerprint`` identifies its content: the same content again (a retry, a replay) counts in ``repeats``."""

    tx_id: str
    invoice_uuid: str
    status: str
    amount: Money
    paid_amount: Money | None
    outcome: str
    fingerprint: str
    received_at: datetime
    last_received_at: datetime
    repeats: int = 0


class WebhookLog(Protocol):
    async def record(self, webhook: ReceivedWebhook, *, keep: int = WEBHOOKS_KEPT) -> bool:
        """Keep it, or count a repeat of a kept one with the same fingerprint; ``False`` when the recharge already
        has ``keep`` others (nothing stored). Called with the recharge locked."""
        ...

    async def of(self, tx_id: str, *, limit: int = WEBHOOKS_KEPT) -> list[ReceivedWebhook]:
        """The recharge's webhooks, in the order they first arrived."""
        ...


@attrs.frozen
class CreditSnapshot:
    """A recharge and its owner's balance as one unlocked read saw them; ``version`` is the adapter's own mark of
    that moment, opaque to the application."""

    tx: Transaction
    balance: Balance
    version: object
    has_order: bool  # an order waits (or waited) for this recharge: its credit takes the locked way


class PaymentCredits(Protocol):
    """A credit decided on an unlocked read and written in one step, only if nothing changed in between.

    The use case reads (``snapshot``), decides with the domain as it would under the lock, and hands the outcome
    over (``apply``): the adapter writes the journal row, the balance and the outbox events at once, or nothing at
    all when either row changed since the read. Nothing is ever decided from an older value: a change in between
    makes ``apply`` refuse, and the caller decides again under the lock.
    """

    async def snapshot(self, order_id: str) -> CreditSnapshot | None:
        """The recharge of ``order_id`` and its owner's balance, unlocked; ``None`` when either is missing or when
        this adapter offers no such step (the caller then takes the locked way)."""

    async def apply(
        self,
        seen: CreditSnapshot,
        tx: Transaction,
        balance: Balance,
        events: Sequence[Event],
        webhook: ReceivedWebhook | None = None,
    ) -> bool:
        """Write ``tx`` (only the columns that differ from ``seen.tx``) and ``balance``, add ``events`` and keep
        ``webhook`` in the recharge's history as ``WebhookLog.record`` would, if the journal row and the balance are
        still as ``seen``; ``False`` and nothing written otherwise. It is the unit of work's whole write: on
        Postgres one statement that commits as it runs, elsewhere committed with the unit of work."""


class UnitOfWork(Protocol):
    """``async with uow: ...; await uow.commit()``. Leaving the block without a commit rolls everything back.

    The same object may be entered again afterwards for a new, separate transaction.
    """

    @property
    def users(self) -> UserRepository: ...

    @property
    def balances(self) -> BalanceRepository: ...

    @property
    def transactions(self) -> TransactionRepository: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def promo_codes(self) -> PromoCodeRepository: ...

    @property
    def referrals(self) -> ReferralRepository: ...

    @property
    def settings(self) -> SettingsRepository: ...

    @property
    def credits(self) -> PaymentCredits: ...

    @property
    def alerts(self) -> AlertBook: ...

    @property
    def webhooks(self) -> WebhookLog: ...

    @property
    def broadcasts(self) -> BroadcastRepository: ...

    @property
    def waiting_orders(self) -> WaitingOrderRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class OutboxUnitOfWork(Protocol):
    @property
    def outbox_reader(self) -> OutboxReader: ...

    @property
    def alerts(self) -> AlertBook: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


@attrs.frozen(kw_only=True)
class Page:
    items: Sequence[Transaction]
    total: int
    offset: int
    limit: int


@attrs.frozen(kw_only=True)
class LedgerTotals:
    """One user's stored balance next to what the journal says it must be (invariant 2), and how many of their
    purchases name no product they can buy (stars without a positive count, Premium without 3, 6 or 12 months, or
    both at once)."""

    user_id: int
    amount: Decimal
    held: Decimal
    journal_amount: Decimal
    journal_held: Decimal
    malformed_purchases: int = 0


@attrs.frozen(kw_only=True)
class TransactionFilter:
    """Every given field must match (exactly); ``created_since`` is included, ``created_before`` excluded."""

    user_id: int | None = None
    status: TxStatus | None = None
    type: TxType | None = None
    flagged: bool | None = None
    tx_id: str | None = None
    order_id: str | None = None
    invoice_uuid: str | None = None
    created_since: datetime | None = None
    created_before: datetime | None = None


@attrs.frozen(kw_only=True)
class ShopStats:
    users: int
    transactions_by_status: dict[str, int]
    completed_recharges: Decimal
    completed_purchases: Decimal
    stars_delivered: int
    flagged: int
    total_balance: Decimal
    total_held: Decimal


class Bucket(StrEnum):
    """How the shop's activity is cut into periods (UTC): calendar days, or ISO weeks starting on Monday."""

    DAY = "day"
    WEEK = "week"

    def start_of(self, day: date) -> date:
        """The first day of the period ``day`` falls in: itself, or the Monday of its ISO week."""
        return day if self is Bucket.DAY else day - timedelta(days=day.weekday())


@attrs.frozen(kw_only=True)
class ActivityFigures:
    """What happened in one period, counted by when each row was created (``created_at``, UTC).

    ``recharged``, ``sales`` and ``stars`` sum the recharges and purchases that are ``completed`` now;
    ``purchases_by_status`` counts the purchases created in the period by their status now; ``new_users`` counts
    the users registered in it; ``active_users`` the distinct users who created a recharge or a purchase in it.
    """

    recharged: Decimal = Decimal(0)
    sales: Decimal = Decimal(0)
    stars: int = 0
    purchases_by_status: Mapping[str, int] = attrs.field(factory=dict)
    new_users: int = 0
    active_users: int = 0


@attrs.frozen(kw_only=True)
class Activity:
    """The periods of a range that saw anything, keyed by their first day (a Monday for weeks, even one before
    the range), and ``active_users`` counted once over the whole range."""

    periods: Mapping[date, ActivityFigures]
    active_users: int


class TransactionReader(Protocol):
    """Reads that decide nothing about money; may be served by a read replica."""

    async def history(self, user_id: int, *, limit: int, offset: int) -> Page: ...

    async def search(self, flt: TransactionFilter, *, limit: int, offset: int) -> Page: ...

    async def stats(self) -> ShopStats: ...

    async def activity(self, *, since: datetime, until: datetime, bucket: Bucket) -> Activity:
        """What was created from ``since`` (included) to ``until`` (excluded), per period."""
        ...


class LedgerReader(Protocol):
    async def totals(self) -> list[LedgerTotals]: ...

    async def purchases_to_audit(self, *, started_since: datetime, refs: Collection[str]) -> list[Transaction]:
        """Purchases whose delivery attempt started at or after ``started_since``, and every purchase (whenever it
        was made) that holds one of the provider refs ``refs``."""
        ...
