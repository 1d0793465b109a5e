# ruff: noqa: RUF001  (Russian texts, dashes and emoji are the point of these tests)
"""Topping up: quick amounts, a typed amount, every bad input, and the invoice link, in both languages."""

import pytest

from .conftest import BotHarness

QUICK = [["5.00 USD", "10.00 USD", "25.00 USD"], ["50.00 USD", "100.00 USD"]]


async def test_recharge_shows_quick_amounts_and_a_tap_opens_the_invoice(harness: BotHarness) -> None:
    await harness.send("/start")
    reply = await harness.said("/recharge")
    assert reply.text == "How much do you want to top up? From 1.00 USD to 10000.00 USD."
    assert reply.buttons == [*QUICK[:1], [*QUICK[1], "Other"]]
    reply = await harness.pressed("tu:10")
    assert reply.method == "sendMessage"
    assert reply.text is not None
    assert reply.text.startswith("🧾 Top-up of 10.00 USD: pay by the link below. The invoice is valid until ")
    assert reply.text.endswith("your balance is credited as soon as the payment arrives.")
    assert reply.buttons == [["💳 Pay 10.00 USD"]]
    assert reply.keyboard is not None
    gateway = await harness.gateway()
    (order_id,) = gateway.invoices
    assert reply.keyboard[0][0]["url"] == f"https://pay.test/inv-{order_id}"


async def test_tapping_the_same_amount_twice_opens_one_invoice(harness: BotHarness) -> None:
    await harness.send("/start")
    first = await harness.pressed("tu:10")
    second = await harness.pressed("tu:10")
    assert first.keyboard == second.keyboard
    assert len((await harness.gateway()).invoices) == 1


async def test_recharge_with_an_amount_in_russian(harness: BotHarness) -> None:
    await harness.send("/start", lang="ru")
    reply = await harness.said("/recharge 12,5", lang="ru")
    assert reply.text is not None
    assert reply.text.startswith("🧾 Пополнение на 12.50 USD: оплатите по ссылке ниже. Счёт действует до ")
    assert reply.buttons == [["💳 Оплатить 12.50 USD"]]


@pytest.mark.parametrize(
    ("lang", "typed", "expected"),
    [
        ("en", "ten", "«ten» is not an amount. Send a number, for example 12.50."),
        ("en", "0.5", "A top-up must be from 1.00 USD to 10000.00 USD."),
        ("en", "20000", "A top-up must be from 1.00 USD to 10000.00 USD."),
        ("en", "1.234", "Use at most 2 digits after the decimal point."),
        ("ru", "десять", "«десять» — не сумма. Отправьте число, например 12.50."),
        ("ru", "0.5", "Пополнение — от 1.00 USD до 10000.00 USD."),
        ("ru", "1.234", "Не больше 2 знаков после запятой."),
    ],
)
async def test_other_amount_and_every_bad_input(harness: BotHarness, lang: str, typed: str, expected: str) -> None:
    await harness.send("/start", lang=lang)
    await harness.send("/recharge", lang=lang)
    enter = await harness.pressed("tu:", lang=lang)
    assert (
        enter.text
        == {"en": "Send the amount in USD, for example 12.50.", "ru": "Отправьте сумму в USD, например 12.50."}[lang]
    )
    assert (await harness.said(typed, lang=lang)).text == expected
    assert (await harness.said("/recharge " + typed, lang=lang)).text == expected
    reply = await harness.said("25", lang=lang)  # still waiting for an amount: a good one opens the invoice
    assert reply.buttons[0][0].endswith("25.00 USD")


async def test_the_top_up_button_of_the_menu(harness: BotHarness) -> None:
    await harness.send("/start", lang="ru")
    reply = await harness.pressed("m:topup", lang="ru")
    assert reply.text == "На сколько пополнить баланс? От 1.00 USD до 10000.00 USD."
    assert reply.buttons[-1][-1] == "Другое"


async def test_a_gateway_outage_is_told_plainly(harness: BotHarness) -> None:
    from starshop.application.errors import PaymentGatewayUnavailable

    await harness.send("/start")
    (await harness.gateway()).fail_create = PaymentGatewayUnavailable
    reply = await harness.said("/recharge 10")
    assert reply.text == "The payment service is not answering right now. Please try again in a minute."
