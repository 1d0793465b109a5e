"""Buying stars: amount -> recipient -> payment method -> confirmation with the exact price -> order.
Telegram Premium (``premium``) enters the same dialog at the recipient, with months instead of stars.

``/buy``, ``/buy N``, ``/buy N @name`` (straight to the confirmation, paid from the balance) and
``/buy_stars_fragment N`` all enter the same dialog; every bad input gets its own message.

Each confirmation has its own key, carried by its *Confirm* button: a button on an older confirmation (or a forged
one) places nothing, is refused with a clear text, and loses its keyboard.
"""

from __future__ import annotations

import secrets

from aiogram import F
from aiogram.filters import Command, CommandObject, or_f
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from dishka import FromDishka

from starshop.adapters.telegram.i18n import text
from starshop.application.config import ShopConfig
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_history import GetHistory, HistoryQuery
from starshop.application.use_cases.get_shop_settings import GetShopSettings
from starshop.application.use_cases.quote_stars import QuoteStars
from starshop.application.use_cases.remember_invoice_message import RememberInvoiceMessage
from starshop.application.use_cases.top_up_for_order import OrderTopUp, TopUpForOrder
from starshop.domain import (
    InsufficientFunds,
    InvalidRecipient,
    Money,
    PayWith,
    Product,
    PurchasePolicy,
    ShopSettings,
    TxStatus,
    TxType,
    normalise_recipient,
)
from starshop.entrypoints.bot import keyboards, render
from starshop.entrypoints.bot.callbacks import ConfirmCb, MenuCb, OrderTopUpCb, PayCb, RecipientCb, StarsCb
from starshop.entrypoints.bot.recharge import remember_invoice
from starshop.entrypoints.bot.replies import Event, quoted, remove_keyboard, say, top_up_for
from starshop.entrypoints.bot.routes import Routes
from starshop.entrypoints.bot.states import BuyDialog

routes = Routes("starshop.buy")
_TYPED = F.text & ~F.text.startswith("/")


def parse_stars(raw: str, policy: PurchasePolicy, lang: str) -> int | str:
    """The number of stars (ASCII digits only), or the message explaining what is wrong with the input."""
    value = raw.strip()
    if not (value.isascii() and value.isdigit()):  # not superscripts, circled, full-width or Arabic digits
        return text(lang, "err_not_a_number", value=quoted(value))
    if len(value.lstrip("0")) > len(str(policy.max_stars)):  # more digits than any allowed count: not converted
        return text(lang, "err_too_many_stars", max=policy.max_stars, value=quoted(value))
    return check_stars(int(value), policy, lang)


def check_stars(stars: int, policy: PurchasePolicy, lang: str) -> int | str:
    if stars < policy.min_stars:
        return text(lang, "err_too_few_stars", min=policy.min_stars, value=quoted(stars))
    if stars > policy.max_stars:
        return text(lang, "err_too_many_stars", max=policy.max_stars, value=quoted(stars))
    return stars


async def open_for_sales(event: Event, settings: GetShopSettings, lang: str) -> ShopSettings | None:
    """The settings in force now; ``None`` (and the operator's message said) while sales are paused."""
    current = await settings()
    if current.maintenance:
        await say(event, text(lang, "e_maintenance", message=current.maintenance_message))
        return None
    return current


def item(data: dict[str, object]) -> tuple[str, dict[str, object]]:
    """What the dialog buys, as its texts name it: their key prefix (``buy``, ``premium``) and values."""
    if data.get("months") is not None:
        return "premium", {"months": data["months"]}
    return "buy", {"stars": data["stars"]}


def parse_recipient(raw: str) -> str | None:
    try:
        return normalise_recipient(raw)
    except InvalidRecipient:
        return None


@routes.message(Command("buy", "buy_stars_fragment"))
async def buy_command(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    lang: str,
    settings: FromDishka[GetShopSettings],
    quote: FromDishka[QuoteStars],
) -> None:
    await state.clear()
    current = await open_for_sales(message, settings, lang)
    if current is None:
        return
    args = (command.args or "").split()
    if not args:
        await say(message, text(lang, "buy_choose_stars"), keyboards.star_amounts(lang, current.policy))
        return
    stars = parse_stars(args[0], current.policy, lang)
    if isinstance(stars, str):
        await state.set_state(BuyDialog.stars)
        await say(message, stars)
        return
    await state.update_data(stars=stars)
    if len(args) == 1:
        await ask_recipient(message, state, lang)
        return
    recipient = parse_recipient(args[1])
    if recipient is None:
        await state.set_state(BuyDialog.recipient)
        await say(message, text(lang, "err_bad_username", value=quoted(args[1])))
        return
    await state.update_data(recipient=recipient, pay_with=PayWith.BALANCE.value)
    await show_confirmation(message, state, lang, quote)


@routes.callback_query(MenuCb.filter(F.action == "buy"))
async def menu_buy(
    callback: CallbackQuery, state: FSMContext, lang: str, settings: FromDishka[GetShopSettings]
) -> None:
    await state.clear()
    current = await open_for_sales(callback, settings, lang)
    if current is None:
        return
    await say(callback, text(lang, "buy_choose_stars"), keyboards.star_amounts(lang, current.policy))


@routes.callback_query(MenuCb.filter(F.action == "repeat"))
async def menu_repeat(
    callback: CallbackQuery,
    state: FSMContext,
    lang: str,
    history: FromDishka[GetHistory],
    quote: FromDishka[QuoteStars],
) -> None:
    """The last completed purchase (stars, or months of Premium) and its recipient, quoted at today's price, to
    confirm like any order."""
    await state.clear()
    page = await history(HistoryQuery(user_id=callback.from_user.id, page=1, page_size=100))
    last = next((tx for tx in page.items if tx.type is TxType.PURCHASE and tx.status is TxStatus.COMPLETED), None)
    if last is None:
        await say(callback, text(lang, "repeat_none"))
        return
    item = last.purchase_details
    await state.update_data(
        stars=item.stars, months=last.months, recipient=item.recipient, pay_with=PayWith.BALANCE.value
    )
    await show_confirmation(callback, state, lang, quote)


@routes.callback_query(StarsCb.filter())
async def stars_chosen(
    callback: CallbackQuery,
    callback_data: StarsCb,
    state: FSMContext,
    lang: str,
    settings: FromDishka[GetShopSettings],
) -> None:
    await state.clear()
    current = await open_for_sales(callback, settings, lang)
    if current is None:
        return
    if callback_data.stars == 0:
        await state.set_state(BuyDialog.stars)
        await say(callback, text(lang, "buy_enter_stars", min=current.policy.min_stars), edit=True)
        return
    stars = check_stars(callback_data.stars, current.policy, lang)  # a button is checked as a typed number is
    if isinstance(stars, str):
        await say(callback, stars)
        return
    await state.update_data(stars=stars)
    await ask_recipient(callback, state, lang, edit=True)


@routes.message(BuyDialog.stars, _TYPED)
async def stars_typed(message: Message, state: FSMContext, lang: str, settings: FromDishka[GetShopSettings]) -> None:
    current = await open_for_sales(message, settings, lang)
    if current is None:
        await state.clear()
        return
    stars = parse_stars(message.text or "", current.policy, lang)
    if isinstance(stars, str):
        await say(message, stars)
        return
    await state.update_data(stars=stars)
    await ask_recipient(message, state, lang)


async def ask_recipient(event: Event, state: FSMContext, lang: str, *, edit: bool = False) -> None:
    await state.set_state(BuyDialog.recipient)
    prefix, values = item(await state.get_data())
    await say(event, text(lang, f"{prefix}_choose_recipient", **values), keyboards.recipients(lang), edit=edit)


@routes.callback_query(BuyDialog.recipient, RecipientCb.filter())
async def recipient_chosen(
    callback: CallbackQuery,
    callback_data: RecipientCb,
    state: FSMContext,
    lang: str,
    get_balance: FromDishka[GetBalance],
) -> None:
    if callback_data.gift:
        await say(callback, text(lang, "buy_enter_recipient"), edit=True)
        return
    recipient = parse_recipient(callback.from_user.username or "")
    if recipient is None:
        await say(callback, text(lang, "buy_no_username"), keyboards.recipients(lang, myself=False), edit=True)
        return
    await state.update_data(recipient=recipient)  # normalised, as a typed one is
    await ask_payment(callback, state, lang, get_balance, edit=True)


@routes.message(BuyDialog.recipient, _TYPED)
async def recipient_typed(message: Message, state: FSMContext, lang: str, get_balance: FromDishka[GetBalance]) -> None:
    raw = (message.text or "").strip()
    recipient = parse_recipient(raw)
    if recipient is None:
        await say(message, text(lang, "err_bad_username", value=quoted(raw)))
        return
    await state.update_data(recipient=recipient)
    await ask_payment(message, state, lang, get_balance)


async def ask_payment(
    event: Event, state: FSMContext, lang: str, get_balance: GetBalance, *, edit: bool = False
) -> None:
    data = await state.get_data()
    available = (await get_balance(event.from_user.id)).available  # type: ignore[union-attr]
    await state.set_state(BuyDialog.confirm)
    prefix, values = item(data)
    message = text(lang, f"{prefix}_choose_payment", recipient=data["recipient"], **values)
    await say(event, message, keyboards.payment_methods(lang, available), edit=edit)


@routes.callback_query(BuyDialog.confirm, PayCb.filter())
async def payment_chosen(
    callback: CallbackQuery, callback_data: PayCb, state: FSMContext, lang: str, quote: FromDishka[QuoteStars]
) -> None:
    await state.update_data(pay_with=callback_data.method.value)
    await show_confirmation(callback, state, lang, quote, edit=True)


async def show_confirmation(
    event: Event, state: FSMContext, lang: str, quote: QuoteStars, *, edit: bool = False
) -> None:
    data = await state.get_data()
    prefix, values = item(data)
    price = (await quote(data.get("stars"), months=data.get("months"))).price
    # One key per confirmation screen, on its Confirm button: pressing it twice places one order, and pressing the
    # button of an older screen places nothing.
    ref = secrets.token_hex(8)
    await state.update_data(key=f"tg-{ref}", price=f"{price.amount:f}")
    await state.set_state(BuyDialog.confirm)
    method = text(lang, f"method_{data['pay_with']}")
    message = text(lang, f"{prefix}_confirm", recipient=data["recipient"], price=price, method=method, **values)
    await say(event, message, keyboards.confirmation(lang, ref), edit=edit)


async def pressed_on_its_screen(callback: CallbackQuery, state: FSMContext, lang: str, step: State, ref: str) -> bool:
    """The button belongs to the screen the dialog waits on (``step``, its confirmation's key); else it is refused
    with a clear text and loses its keyboard."""
    data = await state.get_data()
    if await state.get_state() != step.state or "key" not in data:
        await remove_keyboard(callback)
        await say(callback, text(lang, "expired"))
        return False
    waiting, pressed = data["key"].encode(), f"tg-{ref}".encode()
    if not secrets.compare_digest(waiting, pressed):  # the button of another confirmation, or a forged one
        await remove_keyboard(callback)
        await say(callback, text(lang, "stale_confirmation"))
        return False
    return True


@routes.callback_query(ConfirmCb.filter(F.ok))
async def confirmed(
    callback: CallbackQuery,
    callback_data: ConfirmCb,
    state: FSMContext,
    lang: str,
    buy: FromDishka[BuyStars],
    config: FromDishka[ShopConfig],
) -> None:
    if not await pressed_on_its_screen(callback, state, lang, BuyDialog.confirm, callback_data.ref):
        return
    data = await state.get_data()
    premium = data.get("months") is not None
    try:
        result = await buy(
            BuyStarsInput(
                user_id=callback.from_user.id,
                product=Product.PREMIUM if premium else Product.STARS,
                stars=data.get("stars"),
                months=data.get("months"),
                recipient=data["recipient"],
                pay_with=PayWith(data["pay_with"]),
                idempotency_key=data["key"],
                max_price=config.currency_money(data["price"]),  # what this screen showed: never charged above it
            )
        )
    except InsufficientFunds as e:
        waits = not premium and data["pay_with"] == PayWith.BALANCE.value and "price" in data  # stars orders wait
        if not waits or not isinstance(e.missing, Money):
            raise
        # Offered once: pressed, it tops up what is missing and this order is placed when the payment arrives.
        await state.set_state(BuyDialog.top_up)
        amount = top_up_for(e.missing, config)
        price = config.currency_money(data["price"])
        message = text(lang, "err_insufficient_order", missing=e.missing, amount=amount, price=price)
        await say(callback, message, keyboards.order_top_up(lang, amount, callback_data.ref), edit=True)
        return
    await state.clear()
    purchase = result.purchase
    prefix = "premium" if purchase.product is Product.PREMIUM else "buy"
    values: dict[str, object] = {"stars": purchase.stars, "months": purchase.months, "recipient": purchase.recipient}
    values["price"] = purchase.amount
    if result.invoice is None:
        await say(callback, text(lang, f"{prefix}_accepted", **values), edit=True)
        return
    message = text(lang, f"{prefix}_invoice", expires=render.when(result.invoice.expires_at), **values)
    link = keyboards.pay_link(text(lang, "btn_pay", price=purchase.amount), result.invoice.url)
    await say(callback, message, link, edit=True)


@routes.callback_query(OrderTopUpCb.filter())
async def order_top_up(
    callback: CallbackQuery,
    callback_data: OrderTopUpCb,
    state: FSMContext,
    lang: str,
    top_up: FromDishka[TopUpForOrder],
    config: FromDishka[ShopConfig],
    remember: FromDishka[RememberInvoiceMessage],
) -> None:
    if not await pressed_on_its_screen(callback, state, lang, BuyDialog.top_up, callback_data.ref):
        return
    data = await state.get_data()
    order = OrderTopUp(
        user_id=callback.from_user.id,
        stars=data["stars"],
        recipient=data["recipient"],
        price=config.currency_money(data["price"]),
        idempotency_key=f"{data['key']}-topup",
    )
    result = await top_up(order)
    await state.clear()
    amount = result.recharge.amount
    expires = render.when(result.invoice.expires_at)
    message = text(
        lang, "order_topup_invoice", amount=amount, stars=order.stars, recipient=data["recipient"], expires=expires
    )
    link = keyboards.pay_link(text(lang, "btn_pay", price=amount), result.invoice.url)
    shown = await say(callback, message, link, edit=True)
    await remember_invoice(remember, callback.from_user.id, result.recharge.id, shown)


@routes.callback_query(ConfirmCb.filter(~F.ok))
async def cancelled(callback: CallbackQuery, state: FSMContext, lang: str) -> None:
    await state.clear()
    await say(callback, text(lang, "cancelled"), edit=True)


@routes.callback_query(or_f(RecipientCb.filter(), PayCb.filter()))
async def stale_button(callback: CallbackQuery, lang: str) -> None:
    await say(callback, text(lang, "expired"))
