"""A top-up invoice the bot showed that expires or is cancelled unpaid is announced by editing the message that
carried its Pay button: the button goes, and the text says what happened."""

from __future__ import annotations

from datetime import timedelta

from starshop.adapters.telegram import AiogramNotifier, SendThrottle
from starshop.application.config import ShopConfig
from starshop.application.ports import Clock, EventPublisher, OutboxUnitOfWork, TaskQueue
from starshop.application.use_cases.confirm_payment import ConfirmPayment
from starshop.application.use_cases.expire_stale_invoices import ExpireStaleInvoices
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.application.use_cases.remember_invoice_message import InvoiceMessage, RememberInvoiceMessage
from starshop.domain import Money, PaymentStatus
from starshop.entrypoints.bot import language_lookup

from .conftest import BotHarness


async def relay(harness: BotHarness) -> None:
    notifier = AiogramNotifier(
        harness.bot, language_lookup(harness.container), throttle=SendThrottle(per_chat_interval=0)
    )
    async with harness.container() as scope:
        queue = await scope.get(TaskQueue)
        use_case = RelayOutbox(
            await scope.get(OutboxUnitOfWork), notifier, await scope.get(EventPublisher), queue, await scope.get(Clock)
        )
        await use_case()


async def invoice_message(harness: BotHarness, text: str) -> tuple[int, str]:
    """Send ``text`` (a /recharge) and return the id of the invoice message and its order id."""
    shown = [c for c in await harness.send(text) if c.method == "sendMessage" and c.keyboard]
    assert len(shown) == 1
    assert shown[0].message_id is not None
    gateway = await harness.gateway()
    [order_id] = list(gateway.invoices)[-1:]
    return shown[0].message_id, order_id


async def test_an_expired_top_up_invoice_loses_its_pay_button_and_says_so(harness: BotHarness) -> None:
    await harness.send("/start")
    message_id, _ = await invoice_message(harness, "/recharge 5")
    config = await harness.container.get(ShopConfig)
    harness.fakes.clock.advance(config.invoice_lifetime + config.invoice_expiry_grace + timedelta(minutes=1))
    async with harness.container() as scope:
        assert (await (await scope.get(ExpireStaleInvoices))()).expired == 1
    harness.fake.clear()
    await relay(harness)
    await relay(harness)  # the relay hands an event on at least once: the message is edited once
    [edited] = harness.fake.calls_to("editMessageText")
    assert edited.params["message_id"] == message_id
    assert edited.text == "⌛ This invoice for 5.00 USD expired unpaid; nothing was charged. See /recharge."
    assert edited.keyboard is None  # the Pay button is gone
    assert not harness.fake.calls_to("sendMessage")


async def test_a_cancelled_invoice_too_old_to_edit_is_announced_anew(harness: BotHarness) -> None:
    await harness.send("/start", lang="ru")
    message_id, order_id = await invoice_message(harness, "/recharge 5")
    gateway = await harness.gateway()
    note = gateway.set_status(order_id, PaymentStatus.CANCELLED)
    async with harness.container() as scope:
        await (await scope.get(ConfirmPayment))(note)
    harness.fake.clear()
    harness.fake.fail_next(
        "editMessageText", status=400, retry_after=None, description="Bad Request: message can't be edited"
    )
    await relay(harness)
    said = [c.text for c in harness.fake.calls_to("sendMessage")]
    assert said == ["⌛ Счёт на 5.00 USD истёк неоплаченным; ничего не списано. Пополнить: /recharge."]
    [tried] = harness.fake.calls_to("editMessageText")
    assert tried.params["message_id"] == message_id


async def test_an_invoice_message_of_another_user_is_not_marked(harness: BotHarness) -> None:
    await harness.send("/start")
    _, order_id = await invoice_message(harness, "/recharge 5")
    async with harness.container() as scope:
        remember = await scope.get(RememberInvoiceMessage)
        assert not await remember(InvoiceMessage(user_id=999, tx_id=order_id, message_id=1))
        assert not await remember(InvoiceMessage(user_id=101, tx_id="no-such-tx", message_id=1))


async def test_an_underpaid_invoice_credited_nothing_loses_its_pay_button_and_says_an_operator_will_look(
    harness: BotHarness,
) -> None:
    await harness.send("/start")
    message_id, order_id = await invoice_message(harness, "/recharge 5")
    gateway = await harness.gateway()
    billed = gateway.invoices[order_id].amount
    note = gateway.set_status(order_id, PaymentStatus.UNDERPAID, paid=Money.of("2", billed.currency))
    async with harness.container() as scope:
        await (await scope.get(ConfirmPayment))(note)
    harness.fake.clear()
    await relay(harness)
    [edited] = harness.fake.calls_to("editMessageText")
    assert edited.params["message_id"] == message_id
    assert edited.text == (
        "⚠ This invoice for 5.00 USD was paid short, so nothing was credited. "
        "An operator will check your payment; do not pay it again."
    )
    assert edited.keyboard is None
