"""The dishka wiring resolves every use case on the in-memory adapters and runs a flow through them."""

import itertools

import pytest
from dishka import STRICT_VALIDATION, Provider, Scope, make_async_container, provide

from starshop.adapters.inprocess import InMemoryStore
from starshop.adapters.logging_notifier import LoggingNotifier
from starshop.adapters.telegram.notifier import AiogramNotifier
from starshop.application.ports import DELIVER_PURCHASE, Clock, Notifier, PaymentGateway, StarDelivery, TaskQueue
from starshop.application.use_cases.audit_ledger import AuditLedger
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.confirm_payment import ConfirmPayment, PaymentOutcome
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.application.use_cases.deliver_purchase import DeliverPurchase
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.domain import PaymentStatus, TxStatus
from starshop.entrypoints import ioc
from starshop.entrypoints.ioc.probes import QueueDepth
from starshop.entrypoints.ioc.telegram import make_bot_parts
from starshop.entrypoints.ioc.use_cases import UseCasesProvider
from starshop.entrypoints.observability import Metrics, TimedPaymentGateway, TimedStarDelivery
from starshop.entrypoints.settings import (
    BotSettings,
    DatabaseSettings,
    FragmentSettings,
    HeleketSettings,
    RedisSettings,
    SandboxPaymentSettings,
    Secret,
    Sections,
)
from starshop.testing import build_in_memory_shop, default_config, default_policy
from starshop.testing.doubles import ScriptedStarDelivery


async def test_the_container_wires_a_recharge_and_a_purchase_end_to_end():
    config = default_config()
    shop = build_in_memory_shop(config=config)
    container = shop.container
    money = lambda v: __import__("starshop.domain", fromlist=["Money"]).Money.of(v, config.currency)  # noqa: E731
    try:
        async with container() as request:
            await (await request.get(RegisterUser))(TelegramProfile(user_id=5, username="five"))
            result = await (await request.get(CreateRecharge))(CreateRechargeInput(user_id=5, amount=money("3")))
            note = shop.gateway.set_status(result.recharge.order_id, PaymentStatus.PAID)
            assert await (await request.get(ConfirmPayment))(note) is PaymentOutcome.CREDITED
            bought = await (await request.get(BuyStars))(BuyStarsInput(user_id=5, stars=100, recipient="@someone"))
            await (await request.get(RelayOutbox))()
        queue = await container.get(TaskQueue)
        assert queue.drain() == [(DELIVER_PURCHASE, bought.purchase.id)]
        async with container() as request:
            await (await request.get(DeliverPurchase))(bought.purchase.id)
            balance = await (await request.get(GetBalance))(5)
            assert (await (await request.get(AuditLedger))()).ok
        assert balance.amount == money("1.35")
        assert balance.held == money("0")
        assert bought.purchase.status is TxStatus.PENDING
    finally:
        await container.close()


def test_every_use_case_is_provided():
    from pathlib import Path

    import starshop.application.use_cases as pkg

    modules = {p.stem for p in Path(pkg.__file__).parent.glob("*.py") if not p.stem.startswith("_")}
    provided = {factory.provides.type_hint.__module__.rsplit(".", 1)[1] for factory in UseCasesProvider().factories}
    assert modules == provided


SECTION_CHOICES = list(
    itertools.product(
        [None, DatabaseSettings(url="sqlite+aiosqlite:///:memory:")],
        [None, RedisSettings(url="redis://127.0.0.1:6379/0")],
        [
            SandboxPaymentSettings(base_url="http://shop"),
            HeleketSettings(merchant="m", payment_key=Secret("k"), url="http://h", callback_url="http://c", lifetime=9),
        ],
        [None, FragmentSettings(seed=Secret("word " * 24), cookies=None, url="http://f", timeout=5.0)],
        [None, BotSettings(token=Secret("42:token"))],
    )
)


@pytest.mark.parametrize(("database", "redis", "payments", "delivery", "bot"), SECTION_CHOICES)
async def test_every_choice_of_sections_builds_strictly_and_resolves_every_key_and_use_case(
    database, redis, payments, delivery, bot
):
    sections = Sections(
        policy=default_policy(),
        config=default_config(),
        database=database,
        redis=redis,
        payments=payments,
        delivery=delivery,
        bot=bot,
    )
    parts = make_bot_parts(bot) if bot is not None else None
    chosen = ioc.providers(sections, bot=parts)
    container = make_async_container(
        *chosen, context=ioc.context(sections, Metrics(), parts), validation_settings=STRICT_VALIDATION
    )
    app_keys = {f.provides.type_hint for p in chosen for f in p.factories if f.scope is Scope.APP}
    request_keys = {f.provides.type_hint for p in chosen for f in p.factories if f.scope is Scope.REQUEST}
    try:
        for key in app_keys:
            await container.get(key)
        async with container() as request:
            for key in request_keys:
                await request.get(key)
        assert isinstance(await container.get(PaymentGateway), TimedPaymentGateway)
        assert isinstance(await container.get(StarDelivery), TimedStarDelivery)
        notifier = await container.get(Notifier)
        assert isinstance(notifier, AiogramNotifier if bot else LoggingNotifier)
    finally:
        await container.close()
        if parts is not None:
            await parts.close()


async def test_an_override_is_timed_as_the_adapter_it_replaces():
    class Override(Provider):
        scope = Scope.APP
        delivery = provide(ScriptedStarDelivery, provides=StarDelivery, override=True)

    sections = Sections(policy=default_policy(), config=default_config(), database=None)
    container = ioc.build_container(sections, Override())
    try:
        found = await container.get(StarDelivery)
        assert isinstance(found, TimedStarDelivery)
        assert isinstance(found.inner, ScriptedStarDelivery)
    finally:
        await container.close()


async def test_the_test_kit_is_the_production_container_with_its_fakes_in_place():
    shop = build_in_memory_shop()
    container = shop.container
    assert await container.get(Clock) is shop.clock
    assert await container.get(TaskQueue) is shop.queue
    assert await container.get(Notifier) is shop.notifier
    assert await container.get(InMemoryStore) is shop.store
    gateway, delivery = await container.get(PaymentGateway), await container.get(StarDelivery)
    assert isinstance(gateway, TimedPaymentGateway)
    assert gateway.inner is shop.gateway
    assert isinstance(delivery, TimedStarDelivery)
    assert delivery.inner is shop.delivery
    await shop.queue.enqueue(DELIVER_PURCHASE, "tx-1")
    assert await (await container.get(QueueDepth)).measure() == 1
    await shop.aclose()
