"""The shop as production builds it (``starshop.entrypoints.ioc``), with scriptable fakes overriding the adapters
that talk to the outside, and one request scope per use-case call, as each web request or worker step has."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Concatenate, Generic, ParamSpec, TypeVar, overload

import attrs
from dishka import AsyncContainer, Provider, Scope, provide

from starshop.adapters.inprocess import (
    InMemoryStore,
    InProcessCache,
    InProcessEventBus,
    InProcessRateLimiter,
    InProcessTaskQueue,
)
from starshop.adapters.inprocess.pacer import InProcessPacer
from starshop.application.config import ShopConfig
from starshop.application.ports import (
    DELIVER_PURCHASE,
    PLACE_ORDER,
    SEND_BROADCAST,
    Cache,
    Clock,
    IdGenerator,
    MessageSender,
    Notifier,
    Pacer,
    PaymentGateway,
    RateLimiter,
    StarDelivery,
    TransactionFilter,
    TransactionReader,
    UnitOfWork,
)
from starshop.application.use_cases.adjust_balance import AdjustBalance
from starshop.application.use_cases.attribute_referral import AttributeReferral
from starshop.application.use_cases.audit_ledger import AuditLedger
from starshop.application.use_cases.audit_provider import AuditProvider
from starshop.application.use_cases.buy_stars import BuyStars
from starshop.application.use_cases.cancel_broadcast import CancelBroadcast
from starshop.application.use_cases.change_shop_settings import ChangeShopSettings
from starshop.application.use_cases.confirm_payment import ConfirmPayment
from starshop.application.use_cases.create_broadcast import CreateBroadcast
from starshop.application.use_cases.create_promo_code import CreatePromoCode
from starshop.application.use_cases.create_recharge import CreateRecharge
from starshop.application.use_cases.deliver_purchase import DeliverPurchase
from starshop.application.use_cases.disable_promo_code import DisablePromoCode
from starshop.application.use_cases.expire_stale_invoices import ExpireStaleInvoices
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_broadcast import GetBroadcast
from starshop.application.use_cases.get_history import GetHistory
from starshop.application.use_cases.get_referrals import GetReferrals
from starshop.application.use_cases.get_settings_audit import GetSettingsAudit
from starshop.application.use_cases.get_shop_settings import GetShopSettings
from starshop.application.use_cases.grant_bonus import GrantBonus
from starshop.application.use_cases.list_promo_codes import ListPromoCodes
from starshop.application.use_cases.place_waiting_order import PlaceWaitingOrder
from starshop.application.use_cases.preview_broadcast import PreviewBroadcast
from starshop.application.use_cases.quote_stars import QuoteStars
from starshop.application.use_cases.reconcile_purchases import ReconcilePurchases
from starshop.application.use_cases.record_delivery import RecordDelivery
from starshop.application.use_cases.redeem_promo_code import RedeemPromoCode
from starshop.application.use_cases.register_user import RegisterUser
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.application.use_cases.resolve_purchase import ResolvePurchase
from starshop.application.use_cases.resume_broadcasts import ResumeBroadcasts
from starshop.application.use_cases.resume_waiting_orders import ResumeWaitingOrders
from starshop.application.use_cases.send_broadcast import SendBroadcast
from starshop.application.use_cases.top_up_for_order import TopUpForOrder
from starshop.domain import (
    Currency,
    Money,
    PremiumPrices,
    PurchasePolicy,
    Transaction,
    UnderpaymentPolicy,
    WaitingOrder,
)
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import DatabaseSettings, Sections
from starshop.testing.doubles import (
    FixedClock,
    RecordingNotifier,
    ScriptedMessageSender,
    ScriptedPaymentGateway,
    ScriptedStarDelivery,
    SequentialIds,
)

USD = Currency.of("USD")
U = TypeVar("U")
P = ParamSpec("P")
R = TypeVar("R")


def default_policy(**changes: object) -> PurchasePolicy:
    base = PurchasePolicy(currency=USD, price_per_star=Decimal("0.015"), markup=Decimal("0.10"), max_stars=10_000)
    return attrs.evolve(base, **changes)  # type: ignore[arg-type]


def default_premium(prices: str = "3:12.99,6:16.99,12:29.99") -> PremiumPrices:
    """Telegram Premium on sale at these prices (``""``: not sold)."""
    return PremiumPrices.parse(prices, USD)


def default_config(**changes: object) -> ShopConfig:
    base = ShopConfig(currency=USD, min_recharge=Money.of("1", USD), max_recharge=Money.of("10000", USD))
    return attrs.evolve(base, **changes)  # type: ignore[arg-type]


@attrs.frozen
class Fakes:
    """The outside world, scripted, and the in-process adapters at hand: the test holds these and the container
    hands them to every use case. The limiter starts with no limits (set ``limiter.limits`` to refuse an action);
    the queue is only drained by hand (``queue.drain()``, ``InMemoryShop.run_background``); broadcasts go to the
    scripted sender at the pacer's fastest rate."""

    clock: FixedClock
    ids: SequentialIds
    gateway: ScriptedPaymentGateway
    delivery: ScriptedStarDelivery
    cache: InProcessCache
    limiter: InProcessRateLimiter
    notifier: RecordingNotifier
    publisher: InProcessEventBus
    queue: InProcessTaskQueue
    sender: ScriptedMessageSender
    pacer: InProcessPacer

    @classmethod
    def made(cls, config: ShopConfig) -> Fakes:
        clock = FixedClock()
        return cls(
            clock=clock,
            ids=SequentialIds(),
            gateway=ScriptedPaymentGateway(clock, lifetime=config.invoice_lifetime),
            delivery=ScriptedStarDelivery(),
            cache=InProcessCache(),
            limiter=InProcessRateLimiter({}),
            notifier=RecordingNotifier(),
            publisher=InProcessEventBus(),
            queue=InProcessTaskQueue(),
            sender=ScriptedMessageSender(),
            pacer=InProcessPacer(1000),
        )


class FakesProvider(Provider):
    """Overrides every port that reaches outside the process (or keeps time and ids) with the given fakes, and the
    in-process adapters with the kit's own instances."""

    scope = Scope.APP

    def __init__(self, fakes: Fakes) -> None:
        super().__init__()
        self.fakes = fakes

    @provide(override=True)
    def clock(self) -> Clock:
        return self.fakes.clock

    @provide(override=True)
    def ids(self) -> IdGenerator:
        return self.fakes.ids

    @provide(override=True)
    def gateway(self) -> PaymentGateway:
        return self.fakes.gateway

    @provide(override=True)
    def delivery(self) -> StarDelivery:
        return self.fakes.delivery

    @provide(override=True)
    def cache(self) -> Cache:
        return self.fakes.cache

    @provide(override=True)
    def limiter(self) -> RateLimiter:
        return self.fakes.limiter

    @provide(override=True)
    def notifier(self) -> Notifier:
        return self.fakes.notifier

    @provide(override=True)
    def publisher(self) -> InProcessEventBus:
        """Publisher and subscriber both (the in-process provider derives the ports from it)."""
        return self.fakes.publisher

    @provide(override=True)
    def queue(self) -> InProcessTaskQueue:
        """The queue, its depth and its runner (the in-process provider derives them from it)."""
        return self.fakes.queue

    @provide(override=True)
    def sender(self) -> MessageSender:
        return self.fakes.sender

    @provide(override=True)
    def pacer(self) -> Pacer:
        return self.fakes.pacer


class _GivenStore(Provider):
    """The in-memory store the kit made, so ``shop.store`` is at hand without an await."""

    scope = Scope.APP

    def __init__(self, store: InMemoryStore) -> None:
        super().__init__()
        self.given = store

    @provide(override=True)
    def store(self) -> InMemoryStore:
        return self.given


def per_request(
    container: AsyncContainer, kind: type[U], call: Callable[Concatenate[U, P], Awaitable[R]]
) -> Callable[P, Awaitable[R]]:
    """``call`` on a ``kind`` resolved in a request scope of its own, as a web request or a worker step runs it."""

    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        async with container() as request:
            return await call(await request.get(kind), *args, **kwargs)

    return run


class UseCase(Generic[U, P, R]):
    """A shop attribute that calls the use case ``kind`` in a request scope of its own."""

    def __init__(self, kind: type[U], call: Callable[Concatenate[U, P], Awaitable[R]]) -> None:
        self.kind, self.call = kind, call

    @overload
    def __get__(self, shop: None, owner: type[object]) -> UseCase[U, P, R]: ...
    @overload
    def __get__(self, shop: InMemoryShop, owner: type[object]) -> Callable[P, Awaitable[R]]: ...
    def __get__(self, shop: InMemoryShop | None, owner: type[object]) -> UseCase[U, P, R] | Callable[P, Awaitable[R]]:
        if shop is None:
            return self
        return per_request(shop.container, self.kind, self.call)


@attrs.define
class InMemoryShop:
    """Every use case on the production container plus handles on the fakes. ``store`` is the in-memory store, or
    ``None`` when the shop runs on a SQL database (see ``build_shop``); ``transaction``/``transactions`` read through
    the ports either way. ``aclose()`` closes the container (a SQL shop's engine)."""

    container: AsyncContainer
    fakes: Fakes
    store: InMemoryStore | None
    policy: PurchasePolicy
    config: ShopConfig
    premium: PremiumPrices = attrs.field(factory=lambda: default_premium())

    register_user = UseCase(RegisterUser, RegisterUser.__call__)
    get_balance = UseCase(GetBalance, GetBalance.__call__)
    get_history = UseCase(GetHistory, GetHistory.__call__)
    quote_stars = UseCase(QuoteStars, QuoteStars.__call__)
    create_recharge = UseCase(CreateRecharge, CreateRecharge.__call__)
    confirm_payment = UseCase(ConfirmPayment, ConfirmPayment.__call__)
    buy_stars = UseCase(BuyStars, BuyStars.__call__)
    record_delivery = UseCase(RecordDelivery, RecordDelivery.__call__)
    deliver_purchase = UseCase(DeliverPurchase, DeliverPurchase.__call__)
    reconcile_purchases = UseCase(ReconcilePurchases, ReconcilePurchases.__call__)
    resolve_purchase = UseCase(ResolvePurchase, ResolvePurchase.__call__)
    expire_stale_invoices = UseCase(ExpireStaleInvoices, ExpireStaleInvoices.__call__)
    grant_bonus = UseCase(GrantBonus, GrantBonus.__call__)
    adjust_balance = UseCase(AdjustBalance, AdjustBalance.__call__)
    audit_ledger = UseCase(AuditLedger, AuditLedger.__call__)
    audit_provider = UseCase(AuditProvider, AuditProvider.__call__)
    relay_outbox = UseCase(RelayOutbox, RelayOutbox.__call__)
    create_promo_code = UseCase(CreatePromoCode, CreatePromoCode.__call__)
    list_promo_codes = UseCase(ListPromoCodes, ListPromoCodes.__call__)
    disable_promo_code = UseCase(DisablePromoCode, DisablePromoCode.__call__)
    redeem_promo_code = UseCase(RedeemPromoCode, RedeemPromoCode.__call__)
    attribute_referral = UseCase(AttributeReferral, AttributeReferral.__call__)
    get_referrals = UseCase(GetReferrals, GetReferrals.__call__)
    get_shop_settings = UseCase(GetShopSettings, GetShopSettings.__call__)
    change_shop_settings = UseCase(ChangeShopSettings, ChangeShopSettings.__call__)
    get_settings_audit = UseCase(GetSettingsAudit, GetSettingsAudit.__call__)
    preview_broadcast = UseCase(PreviewBroadcast, PreviewBroadcast.__call__)
    create_broadcast = UseCase(CreateBroadcast, CreateBroadcast.__call__)
    get_broadcast = UseCase(GetBroadcast, GetBroadcast.__call__)
    cancel_broadcast = UseCase(CancelBroadcast, CancelBroadcast.__call__)
    send_broadcast = UseCase(SendBroadcast, SendBroadcast.__call__)
    resume_broadcasts = UseCase(ResumeBroadcasts, ResumeBroadcasts.__call__)
    resume_waiting_orders = UseCase(ResumeWaitingOrders, ResumeWaitingOrders.__call__)
    top_up_for_order = UseCase(TopUpForOrder, TopUpForOrder.__call__)
    place_waiting_order = UseCase(PlaceWaitingOrder, PlaceWaitingOrder.__call__)

    @property
    def clock(self) -> FixedClock:
        return self.fakes.clock

    @property
    def gateway(self) -> ScriptedPaymentGateway:
        return self.fakes.gateway

    @property
    def delivery(self) -> ScriptedStarDelivery:
        return self.fakes.delivery

    @property
    def cache(self) -> InProcessCache:
        return self.fakes.cache

    @property
    def limiter(self) -> InProcessRateLimiter:
        return self.fakes.limiter

    @property
    def notifier(self) -> RecordingNotifier:
        return self.fakes.notifier

    @property
    def publisher(self) -> InProcessEventBus:
        return self.fakes.publisher

    @property
    def queue(self) -> InProcessTaskQueue:
        return self.fakes.queue

    @property
    def sender(self) -> ScriptedMessageSender:
        return self.fakes.sender

    def money(self, value: str) -> Money:
        return Money.of(value, self.config.currency)

    @asynccontextmanager
    async def uow(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work of its own, entered (it rolls back unless committed)."""
        async with self.container() as request, await request.get(UnitOfWork) as uow:
            yield uow

    async def transaction(self, tx_id: str) -> Transaction:
        async with self.uow() as uow:
            tx = await uow.transactions.get(tx_id)
        assert tx is not None, tx_id
        return tx

    async def transactions(self) -> list[Transaction]:
        reader = await self.container.get(TransactionReader)
        page = await reader.search(TransactionFilter(), limit=1_000_000, offset=0)
        return list(page.items)

    async def waiting_order(self, recharge_id: str) -> WaitingOrder | None:
        async with self.uow() as uow:
            return await uow.waiting_orders.get(recharge_id)

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
            for task, task_id in tasks:
                assert task in (DELIVER_PURCHASE, SEND_BROADCAST, PLACE_ORDER), task
                if task == DELIVER_PURCHASE:
                    await self.deliver_purchase(task_id)
                elif task == PLACE_ORDER:
                    await self.place_waiting_order(task_id)
                else:
                    await self.send_broadcast(task_id)

    async def aclose(self) -> None:
        await self.container.close()


def build_in_memory_shop(
    *,
    policy: PurchasePolicy | None = None,
    config: ShopConfig | None = None,
    underpayment: UnderpaymentPolicy | None = None,
    overrides: Sequence[Provider] = (),
    premium: PremiumPrices | None = None,
) -> InMemoryShop:
    return build_shop(policy=policy, config=config, underpayment=underpayment, overrides=overrides, premium=premium)


def build_shop(
    *,
    database: DatabaseSettings | None = None,
    policy: PurchasePolicy | None = None,
    config: ShopConfig | None = None,
    underpayment: UnderpaymentPolicy | None = None,
    overrides: Sequence[Provider] = (),
    premium: PremiumPrices | None = None,
) -> InMemoryShop:
    """The production container on ``database`` (the in-memory store when ``None``), with fakes for the rest;
    ``overrides`` (providers whose factories say ``override=True``) replace any part, fakes and use cases too.
    Telegram Premium is sold at ``default_premium()`` prices unless ``premium`` says otherwise."""
    policy = policy or default_policy()
    premium = premium or default_premium()
    config = config or default_config()
    if underpayment is not None:
        config = attrs.evolve(config, underpayment=underpayment)
    fakes = Fakes.made(config)
    replaced: list[Provider] = [FakesProvider(fakes)]
    store = InMemoryStore() if database is None else None
    if store is not None:
        replaced.append(_GivenStore(store))
    sections = Sections(policy=policy, premium=premium, config=config, database=database)
    container = build_container(sections, *replaced, *overrides)
    return InMemoryShop(container=container, fakes=fakes, store=store, policy=policy, config=config, premium=premium)
