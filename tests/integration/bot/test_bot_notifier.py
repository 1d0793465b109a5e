# ruff: noqa: RUF001  (Russian texts, dashes and emoji are the point of these tests)
"""AiogramNotifier against the fake Bot API: languages, 429 waits, once per event, blocked chats dropped."""

import time
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from starshop.adapters.inprocess import InProcessTaskQueue
from starshop.adapters.telegram import AiogramNotifier, SendThrottle
from starshop.application.ports import Clock, EventPublisher, OutboxUnitOfWork, TaskQueue
from starshop.application.use_cases.deliver_purchase import DeliverPurchase
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.domain import Money
from starshop.domain.events import (
    AlertRaised,
    BonusGranted,
    Event,
    OperatorAttention,
    PaymentReceived,
    PurchaseCancelled,
    PurchaseDelayed,
    PurchaseDelivered,
    PurchaseRefused,
    PurchaseWaiting,
)
from starshop.entrypoints.bot import language_lookup
from starshop.testing import default_config
from starshop.testing.fakes import FakeBotApi

from .conftest import ADMIN, BotHarness, make_bot

LANGS = {101: "en", 102: "ru", ADMIN: None}


def usd(value: str) -> Money:
    return default_config().currency_money(value)


async def language_of(user_id: int) -> str | None:
    return LANGS.get(user_id)


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    bot = make_bot(fake)
    yield bot
    await bot.session.close()


def notifier(bot: Bot, interval: float = 0.0) -> AiogramNotifier:
    return AiogramNotifier(bot, language_of, admin_ids=[ADMIN], throttle=SendThrottle(per_chat_interval=interval))


EVENTS: list[tuple[Event, str, str]] = [
    (
        PaymentReceived(user_id=0, tx_id="t1", amount=usd("10"), balance=usd("12.5")),
        "✅ Payment received: 10.00 USD.\n💰 Balance: 12.50 USD",
        "✅ Платёж получен: 10.00 USD.\n💰 Баланс: 12.50 USD",
    ),
    (
        PurchaseDelivered(user_id=0, tx_id="t2", stars=100, recipient="bob_gift", price=usd("1.65")),
        "⭐ Delivered: 100 stars to @bob_gift for 1.65 USD.",
        "⭐ Доставлено: 100 звёзд для @bob_gift за 1.65 USD.",
    ),
    (
        PurchaseRefused(user_id=0, tx_id="t3", stars=100, recipient="bob_gift", price=usd("1.65"), reason="x"),
        "↩ We could not deliver 100 stars to @bob_gift. 1.65 USD is back on your balance.",
        "↩ Не удалось доставить 100 звёзд для @bob_gift. 1.65 USD вернулись на баланс.",
    ),
    (
        PurchaseDelayed(user_id=0, tx_id="t4", stars=100, recipient="bob_gift"),
        "⏳ Delivery of 100 stars to @bob_gift is taking longer than usual. Nothing is lost — we will tell you as "
        "soon as it is settled.",
        "⏳ Доставка 100 звёзд для @bob_gift идёт дольше обычного. Ничего не потеряно — мы сообщим, как только всё "
        "решится.",
    ),
    (
        PurchaseWaiting(user_id=0, tx_id="t7", stars=100, recipient="bob_gift"),
        "⏳ Your order of 100 stars for @bob_gift is waiting: an earlier order of the same stars for the same "
        "recipient is still being checked with the provider, and buying again before it is settled could buy twice. "
        "Your funds stay reserved; it goes ahead as soon as that one is settled.",
        "⏳ Ваш заказ 100 звёзд для @bob_gift ждёт: более ранний заказ тех же звёзд для того же получателя ещё "
        "проверяется у поставщика, и покупка до его решения могла бы купить дважды. Средства остаются "
        "зарезервированы; заказ пойдёт, как только тот решится.",
    ),
    (
        PurchaseCancelled(user_id=0, tx_id="t5", stars=100, recipient="bob_gift"),
        "✖ The order of 100 stars for @bob_gift was cancelled: its invoice was not paid.",
        "✖ Заказ 100 звёзд для @bob_gift отменён: счёт не был оплачен.",
    ),
    (
        BonusGranted(user_id=0, tx_id="t6", amount=usd("5"), balance=usd("5")),
        "🎁 Bonus: 5.00 USD.\n💰 Balance: 5.00 USD",
        "🎁 Бонус: 5.00 USD.\n💰 Баланс: 5.00 USD",
    ),
]


@pytest.mark.parametrize(("event", "english", "russian"), EVENTS, ids=[e.kind for e, _, _ in EVENTS])
async def test_each_event_is_told_in_the_users_language(
    fake: FakeBotApi, bot: Bot, event: Event, english: str, russian: str
) -> None:
    n = notifier(bot)
    await n.notify(event.__class__(**{**_fields(event), "user_id": 101}))
    await n.notify(event.__class__(**{**_fields(event), "user_id": 102}))
    assert [(c.params["chat_id"], c.text) for c in fake.calls_to("sendMessage")] == [(101, english), (102, russian)]


def _fields(event: Event) -> dict[str, object]:
    import attrs

    return attrs.asdict(event, recurse=False)


async def test_operator_attention_goes_to_the_admins(fake: FakeBotApi, bot: Bot) -> None:
    await notifier(bot).notify(OperatorAttention(user_id=101, tx_id="t9", reason="delivery outcome unknown"))
    (call,) = fake.calls_to("sendMessage")
    assert call.params["chat_id"] == ADMIN
    assert call.text == "⚠ Operator attention: transaction t9 of user 101: delivery outcome unknown"


async def test_an_alert_goes_to_the_admins_once(fake: FakeBotApi, bot: Bot) -> None:
    alert = AlertRaised(user_id=0, tx_id="wallet_low:fragment:1", alert="wallet_low", text="the wallet holds 11 TON")
    sender = notifier(bot)
    await sender.notify(alert)
    await sender.notify(alert)  # the relay offered it again: sent once
    (call,) = fake.calls_to("sendMessage")
    assert call.params["chat_id"] == ADMIN
    assert call.text == "🚨 Alert (wallet_low): the wallet holds 11 TON"


async def test_a_429_is_waited_out_and_the_message_sent_once(fake: FakeBotApi, bot: Bot) -> None:
    fake.fail_next("sendMessage", retry_after=1)
    started = time.monotonic()
    await notifier(bot).notify(BonusGranted(user_id=101, tx_id="t1", amount=usd("5"), balance=usd("5")))
    assert time.monotonic() - started >= 1.0
    attempts = fake.calls_to("sendMessage")
    assert len(attempts) == 2  # the refused one and the one that got through
    assert attempts[0].params == attempts[1].params


async def test_the_same_event_is_sent_once(fake: FakeBotApi, bot: Bot) -> None:
    n = notifier(bot)
    event = BonusGranted(user_id=101, tx_id="t1", amount=usd("5"), balance=usd("5"))
    await n.notify(event)
    await n.notify(event)
    await n.notify(PaymentReceived(user_id=101, tx_id="t1", amount=usd("5"), balance=usd("5")))  # another kind
    assert len(fake.calls_to("sendMessage")) == 2


async def test_a_blocked_bot_is_logged_and_dropped(fake: FakeBotApi, bot: Bot) -> None:
    fake.block(101)
    n = notifier(bot)
    event = BonusGranted(user_id=101, tx_id="t1", amount=usd("5"), balance=usd("5"))
    await n.notify(event)  # does not raise: the outbox must not retry it forever
    await n.notify(event)
    assert len(fake.calls_to("sendMessage")) == 1


async def test_a_server_error_raises_so_the_relay_retries_and_nothing_is_lost(fake: FakeBotApi, bot: Bot) -> None:
    fake.fail_next("sendMessage", status=500, retry_after=None, description="Internal Server Error")
    n = notifier(bot)
    event = BonusGranted(user_id=101, tx_id="t1", amount=usd("5"), balance=usd("5"))
    with pytest.raises(Exception, match="Internal Server Error"):
        await n.notify(event)
    await n.notify(event)
    assert [c.text for c in fake.calls_to("sendMessage")][-1] == "🎁 Bonus: 5.00 USD.\n💰 Balance: 5.00 USD"
    assert len(fake.calls_to("sendMessage")) == 2


async def test_one_message_a_second_per_chat(fake: FakeBotApi, bot: Bot) -> None:
    n = notifier(bot, interval=0.3)
    started = time.monotonic()
    for i in range(3):
        await n.notify(BonusGranted(user_id=101, tx_id=f"t{i}", amount=usd("5"), balance=usd("5")))
    await n.notify(BonusGranted(user_id=102, tx_id="other-chat", amount=usd("5"), balance=usd("5")))
    assert 0.6 <= time.monotonic() - started < 1.0  # two waits for chat 101, none for chat 102


async def test_purchase_news_reach_the_buyer_after_the_commit_in_their_chosen_language(harness: BotHarness) -> None:
    await harness.send("/start")
    await harness.press("l:ru")
    await harness.bonus(101, "10.00")
    await harness.send("/buy 100 @bob_gift")
    await harness.confirm()
    lookup = language_lookup(harness.container)
    n = AiogramNotifier(harness.bot, lookup, throttle=SendThrottle(per_chat_interval=0))
    harness.fake.clear()
    queue = await harness.container.get(TaskQueue)
    assert isinstance(queue, InProcessTaskQueue)
    for _ in range(3):  # what the worker does: relay the outbox, run the queued deliveries
        async with harness.container() as scope:
            relay = RelayOutbox(
                await scope.get(OutboxUnitOfWork), n, await scope.get(EventPublisher), queue, await scope.get(Clock)
            )
            await relay()
        for _, tx_id in queue.drain():
            async with harness.container() as scope:
                await (await scope.get(DeliverPurchase))(tx_id)
    assert [c.text for c in harness.fake.calls_to("sendMessage")] == [
        "🎁 Бонус: 10.00 USD.\n💰 Баланс: 10.00 USD",
        "⭐ Доставлено: 100 звёзд для @bob_gift за 1.65 USD.\n🧾 Номер у поставщика: Ref#t000002\n"
        f"🔗 Транзакция: {'0' * 64}",  # the provider's reference and its transaction
    ]


async def test_the_language_lookup_falls_back_to_the_telegram_profile(harness: BotHarness) -> None:
    await harness.send("/start", lang="ru", user_id=102)
    lookup = language_lookup(harness.container)
    assert await lookup(102) == "ru"
    assert await lookup(999) is None
    await harness.press("l:en", lang="ru", user_id=102)
    assert await lookup(102) == "en"  # the choice wins over the profile
