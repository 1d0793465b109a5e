"""Every use case wired on the in-memory adapters, with handles on the fakes so a test can script them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import attrs

from starshop.adapters.memory import (
    FixedClock,
    InMemoryCache,
    InMemoryEventPublisher,
    InMemoryLedgerReader,
    InMemoryOutboxUnitOfWork,
    InMemoryStore,
    InMemoryTaskQueue,
    InMemoryTransactionReader,
    InMemoryUnitOfWork,
    RecordingNotifier,
    ScriptedPaymentGateway,
    ScriptedStarDelivery,
    SequentialIds,
    UnlimitedRateLimiter,
)
from starshop.application.config import ShopConfig
from starshop.application.ports import (
    DELIVER_PURCHASE,
    LedgerReader,
    OutboxUnitOfWork,
    TransactionFilter,
    TransactionReader,
    UnitOfWork,
)
from starshop.application.use_cases.adjust_balance import AdjustBalance
from starshop.application.use_cases.audit_ledger import AuditLedger
from starshop.application.use_cases.audit_provider import AuditProvider
from starshop.application.use_cases.buy_stars import BuyStars
from starshop.application.use_cases.confirm_payment import ConfirmPayment
from starshop.application.use_cases.create_recharge import CreateRecharge
from starshop.application.use_cases.deliver_purchase import DeliverPurchase
from starshop.application.use_cases.expire_stale_invoices import ExpireStaleInvoices
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_history import GetHistory
from starshop.application.use_cases.grant_bonus import GrantBonus
from starshop.application.use_cases.quote_stars import QuoteStars
from starshop.application.use_cases.reconcile_purchases import ReconcilePurchases
from starshop.application.use_cases.record_delivery import RecordDelivery
from starshop.application.use_cases.register_user import RegisterUser
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.application.use_cases.resolve_purchase import ResolvePurchase
from starshop.domain import Currency, Money, PurchasePolicy, Transaction, UnderpaymentPolicy

USD = Currency.of("USD")


def default_policy(**changes: object) -> PurchasePolicy:
    base = PurchasePolicy(currency=USD, price_per_star=Decimal("0.015"), markup=Decimal("0.10"), max_stars=10_000)
    return attrs.evolve(base, **changes)  # type: ignore[arg-type]


def default_config(**changes: object) -> ShopConfig:
    base = ShopConfig(currency=USD, min_recharge=Money.of("1", USD), max_recharge=Money.of("10000", USD))
    return attrs.evolve(base, **changes)  # type: ignore[arg-type]


@attrs.define
class InMemoryShop:
    """Every use case plus handles on the fakes. ``store`` is the in-memory store, or ``None`` when the shop runs
    on another persistence (see ``build_shop``); ``transaction``/``transactions`` read through the ports either way."""

    store: InMemoryStore | None
    reader: TransactionReader
    uow: Callable[[], UnitOfWork]
    clock: FixedClock
    gateway: ScriptedPaymentGateway
    delivery: ScriptedStarDelivery
    cache: InMemoryCache
    limiter: UnlimitedRateLimiter
    notifier: RecordingNotifier
    publisher: InMemoryEventPublisher
    queue: InMemoryTaskQueue
    policy: PurchasePolicy
    config: ShopConfig
    register_user: RegisterUser
    get_balance: GetBalance
    get_history: GetHistory
    quote_stars: QuoteStars
    create_recharge: CreateRecharge
    confirm_payment: ConfirmPayment
    buy_stars: BuyStars
    record_delivery: RecordDelivery
    deliver_purchase: DeliverPurchase
    reconcile_purchases: ReconcilePurchases
    resolve_purchase: ResolvePurchase
    expire_stale_invoices: ExpireStaleInvoices
    grant_bonus: GrantBonus
    adjust_balance: AdjustBalance
    audit_ledger: AuditLedger
    audit_provider: AuditProvider
    relay_outbox: RelayOutbox

    def money(self, value: str) -> Money:
        return Money.of(value, self.config.currency)

    async def transaction(self, tx_id: str) -> Transaction:
        async with self.uow() as uow:
            tx = await uow.transactions.get(tx_id)
        assert tx is not None, tx_id
        return tx

    async def transactions(self) -> list[Transaction]:
        page = await self.reader.search(TransactionFilter(), limit=1_000_000, offset=0)
        return list(page.items)

    async def invoice_of(self, purchase_id: str) -> Transaction | None:
        async with self.uow() as uow:
            return await uow.transactions.invoice_of(purchase_id)

    async def run_background(self) -> None:
        """What the worker does: relay the outbox, then run every queued task, until nothing is left."""
        while True:
            await self.relay_outbox()
            tasks = self.queue.drain()
            if not tasks:
                return
            for task, tx_id in tasks:
                assert task == DELIVER_PURCHASE
                await self.deliver_purchase(tx_id)


def build_in_memory_shop(
    *,
    policy: PurchasePolicy | None = None,
    config: ShopConfig | None = None,
    underpayment: UnderpaymentPolicy | None = None,
) -> InMemoryShop:
    store = InMemoryStore()
    return build_shop(
        uow=lambda: InMemoryUnitOfWork(store),
        outbox_uow=lambda: InMemoryOutboxUnitOfWork(store),
        reader=InMemoryTransactionReader(store),
        ledger=InMemoryLedgerReader(store),
        store=store,
        policy=policy,
        config=config,
        underpayment=underpayment,
    )


def build_shop(
    *,
    uow: Callable[[], UnitOfWork],
    outbox_uow: Callable[[], OutboxUnitOfWork],
    reader: TransactionReader,
    ledger: LedgerReader,
    store: InMemoryStore | None = None,
    policy: PurchasePolicy | None = None,
    config: ShopConfig | None = None,
    underpayment: UnderpaymentPolicy | None = None,
) -> InMemoryShop:
    """Every use case on the persistence given (in-memory, or a SQL database) and scriptable fakes for the rest."""
    clock = FixedClock()
    ids = SequentialIds()
    policy = policy or default_policy()
    config = config or default_config()
    if underpayment is not None:
        config = attrs.evolve(config, underpayment=underpayment)
    gateway = ScriptedPaymentGateway(clock, lifetime=config.invoice_lifetime)
    delivery = ScriptedStarDelivery()
    cache, limiter = InMemoryCache(), UnlimitedRateLimiter()
    notifier, publisher, queue = RecordingNotifier(), InMemoryEventPublisher(), InMemoryTaskQueue()
    record = RecordDelivery(uow(), clock)
    confirm = ConfirmPayment(uow(), clock, config)
    return InMemoryShop(
        store=store,
        reader=reader,
        uow=uow,
        clock=clock,
        gateway=gateway,
        delivery=delivery,
        cache=cache,
        limiter=limiter,
        notifier=notifier,
        publisher=publisher,
        queue=queue,
        policy=policy,
        config=config,
        register_user=RegisterUser(uow(), clock, cache, config.currency),
        get_balance=GetBalance(uow()),
        get_history=GetHistory(reader),
        quote_stars=QuoteStars(policy),
        create_recharge=CreateRecharge(uow(), gateway, clock, ids, limiter, config),
        confirm_payment=confirm,
        buy_stars=BuyStars(uow(), policy, delivery, gateway, clock, ids, limiter, config),
        record_delivery=record,
        deliver_purchase=DeliverPurchase(uow(), delivery, clock, record),
        reconcile_purchases=ReconcilePurchases(uow(), delivery, queue, clock, record, config),
        resolve_purchase=ResolvePurchase(uow(), delivery, clock, record, config),
        expire_stale_invoices=ExpireStaleInvoices(uow(), gateway, clock, confirm, config),
        grant_bonus=GrantBonus(uow(), clock, ids, config),
        adjust_balance=AdjustBalance(uow(), clock, ids, config),
        audit_ledger=AuditLedger(ledger),
        audit_provider=AuditProvider(ledger, delivery, clock, config),
        relay_outbox=RelayOutbox(outbox_uow(), notifier, publisher, queue, clock),
    )
