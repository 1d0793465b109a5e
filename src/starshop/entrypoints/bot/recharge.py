"""Topping up: ``/recharge``, ``/recharge 12.50``, quick amounts, "other", and the missing-amount button."""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from dishka import FromDishka

from starshop.adapters.telegram.i18n import text
from starshop.application.config import ShopConfig
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.application.use_cases.remember_invoice_message import InvoiceMessage, RememberInvoiceMessage
from starshop.domain import Money
from starshop.entrypoints.bot import keyboards, render
from starshop.entrypoints.bot.callbacks import MenuCb, TopUpCb
from starshop.entrypoints.bot.replies import Event, quoted, say
from starshop.entrypoints.bot.routes import Routes
from starshop.entrypoints.bot.states import RechargeDialog

routes = Routes("starshop.recharge")


_AMOUNT = re.compile(r"[0-9]+(?:[.,][0-9]+)?")


def parse_amount(raw: str, config: ShopConfig, lang: str) -> Money | str:
    """The amount (ASCII digits, with ``.`` or ``,`` before the cents), or the message explaining what is wrong
    with the input: not full-width or Arabic digits, ``1e3``, ``1_000``, ``+5`` or ``Infinity``."""
    value = raw.strip()
    if not _AMOUNT.fullmatch(value):
        return text(lang, "err_amount_not_number", value=quoted(value))
    amount = Decimal(value.replace(",", "."))
    try:
        exact = amount.quantize(config.currency.quantum, rounding=ROUND_FLOOR)
    except InvalidOperation:  # far too large to be a top-up
        return text(lang, "err_amount_range", min=config.min_recharge, max=config.max_recharge)
    if exact != amount:
        return text(lang, "err_amount_precision", scale=config.currency.scale)
    money = Money.of(exact, config.currency)
    if money < config.min_recharge or money > config.max_recharge:
        return text(lang, "err_amount_range", min=config.min_recharge, max=config.max_recharge)
    return money


async def ask_amount(event: Event, lang: str, config: ShopConfig) -> None:
    message = text(lang, "recharge_choose", min=config.min_recharge, max=config.max_recharge)
    await say(event, message, keyboards.top_up_amounts(lang, config.min_recharge, config.max_recharge))


@routes.message(Command("recharge"))
async def recharge_command(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    lang: str,
    config: FromDishka[ShopConfig],
    create: FromDishka[CreateRecharge],
    remember: FromDishka[RememberInvoiceMessage],
) -> None:
    await state.clear()
    if not command.args:
        await ask_amount(message, lang, config)
        return
    amount = parse_amount(command.args, config, lang)
    if isinstance(amount, str):
        await state.set_state(RechargeDialog.amount)
        await say(message, amount)
        return
    await open_invoice(message, lang, create, remember, amount, key=f"tg-{message.chat.id}-{message.message_id}")


@routes.callback_query(MenuCb.filter(F.action == "topup"))
async def menu_topup(callback: CallbackQuery, state: FSMContext, lang: str, config: FromDishka[ShopConfig]) -> None:
    await state.clear()
    await ask_amount(callback, lang, config)


@routes.callback_query(TopUpCb.filter())
async def amount_chosen(
    callback: CallbackQuery,
    callback_data: TopUpCb,
    state: FSMContext,
    lang: str,
    config: FromDishka[ShopConfig],
    create: FromDishka[CreateRecharge],
    remember: FromDishka[RememberInvoiceMessage],
) -> None:
    await state.clear()
    if not callback_data.amount:
        await state.set_state(RechargeDialog.amount)
        await say(callback, text(lang, "recharge_enter", currency=config.currency), edit=True)
        return
    amount = parse_amount(callback_data.amount, config, lang)
    if isinstance(amount, str):
        await say(callback, amount)
        return
    origin = callback.message.message_id if callback.message else callback.id
    await open_invoice(
        callback, lang, create, remember, amount, key=f"tg-{callback.from_user.id}-{origin}-{amount.amount}"
    )


@routes.message(RechargeDialog.amount, F.text & ~F.text.startswith("/"))
async def amount_typed(
    message: Message,
    state: FSMContext,
    lang: str,
    config: FromDishka[ShopConfig],
    create: FromDishka[CreateRecharge],
    remember: FromDishka[RememberInvoiceMessage],
) -> None:
    amount = parse_amount(message.text or "", config, lang)
    if isinstance(amount, str):
        await say(message, amount)
        return
    await state.clear()
    await open_invoice(message, lang, create, remember, amount, key=f"tg-{message.chat.id}-{message.message_id}")


async def open_invoice(
    event: Event, lang: str, create: CreateRecharge, remember: RememberInvoiceMessage, amount: Money, *, key: str
) -> None:
    user_id = event.from_user.id  # type: ignore[union-attr]
    result = await create(CreateRechargeInput(user_id=user_id, amount=amount, idempotency_key=key))
    message = text(lang, "recharge_invoice", amount=amount, expires=render.when(result.invoice.expires_at))
    link = keyboards.pay_link(text(lang, "btn_pay", price=amount), result.invoice.url)
    shown = await say(event, message, link)
    await remember_invoice(remember, user_id, result.recharge.id, shown)


async def remember_invoice(remember: RememberInvoiceMessage, user_id: int, tx_id: str, shown: int | None) -> None:
    """The message with the Pay button, edited when the invoice expires or is cancelled (``InvoiceClosed``)."""
    if shown is not None:
        await remember(InvoiceMessage(user_id=user_id, tx_id=tx_id, message_id=shown))
