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
from aiogram.types import CallbackQuery, Message
from dishka import FromDishka

from starshop.adapters.telegram.i18n import text
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.quote_stars import QuoteStars
from starshop.domain import MIN_STARS, InvalidRecipient, PayWith, Product, PurchasePolicy, normalise_recipient
from starshop.entrypoints.bot import keyboards, render
from starshop.entrypoints.bot.callbacks import ConfirmCb, MenuCb, PayCb, RecipientCb, StarsCb
from starshop.entrypoints.bot.replies import Event, quoted, remove_keyboard, say
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
    if stars < MIN_STARS:
        return text(lang, "err_too_few_stars", min=MIN_STARS, value=quoted(stars))
    if stars > policy.max_stars:
        return text(lang, "err_too_many_stars", max=policy.max_stars, value=quoted(stars))
    return stars


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
    policy: FromDishka[PurchasePolicy],
    quote: FromDishka[QuoteStars],
) -> None:
    await state.clear()
    args = (command.args or "").split()
    if not args:
        await say(message, text(lang, "buy_choose_stars"), keyboards.star_amounts(lang))
        return
    stars = parse_stars(args[0], policy, lang)
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
async def menu_buy(callback: CallbackQuery, state: FSMContext, lang: str) -> None:
    await state.clear()
    await say(callback, text(lang, "buy_choose_stars"), keyboards.star_amounts(lang))


@routes.callback_query(StarsCb.filter())
async def stars_chosen(
    callback: CallbackQuery,
    callback_data: StarsCb,
    state: FSMContext,
    lang: str,
    policy: FromDishka[PurchasePolicy],
) -> None:
    await state.clear()
    if callback_data.stars == 0:
        await state.set_state(BuyDialog.stars)
        await say(callback, text(lang, "buy_enter_stars", min=MIN_STARS), edit=True)
        return
    stars = check_stars(callback_data.stars, policy, lang)  # a button is checked as a typed number is
    if isinstance(stars, str):
        await say(callback, stars)
        return
    await state.update_data(stars=stars)
    await ask_recipient(callback, state, lang, edit=True)


@routes.message(BuyDialog.stars, _TYPED)
async def stars_typed(message: Message, state: FSMContext, lang: str, policy: FromDishka[PurchasePolicy]) -> None:
    stars = parse_stars(message.text or "", policy, lang)
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
    await state.update_data(key=f"tg-{ref}")
    await state.set_state(BuyDialog.confirm)
    method = text(lang, f"method_{data['pay_with']}")
    message = text(lang, f"{prefix}_confirm", recipient=data["recipient"], price=price, method=method, **values)
    await say(event, message, keyboards.confirmation(lang, ref), edit=edit)


@routes.callback_query(ConfirmCb.filter(F.ok))
async def confirmed(
    callback: CallbackQuery, callback_data: ConfirmCb, state: FSMContext, lang: str, buy: FromDishka[BuyStars]
) -> None:
    data = await state.get_data()
    if await state.get_state() != BuyDialog.confirm.state or "key" not in data:
        await remove_keyboard(callback)
        await say(callback, text(lang, "expired"))
        return
    waiting, pressed = data["key"].encode(), f"tg-{callback_data.ref}".encode()
    if not secrets.compare_digest(waiting, pressed):  # the button of another confirmation, or a forged one
        await remove_keyboard(callback)
        await say(callback, text(lang, "stale_confirmation"))
        return
    result = await buy(
        BuyStarsInput(
            user_id=callback.from_user.id,
            product=Product.PREMIUM if data.get("months") is not None else Product.STARS,
            stars=data.get("stars"),
            months=data.get("months"),
            recipient=data["recipient"],
            pay_with=PayWith(data["pay_with"]),
            idempotency_key=data["key"],
        )
    )
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


@routes.callback_query(ConfirmCb.filter(~F.ok))
async def cancelled(callback: CallbackQuery, state: FSMContext, lang: str) -> None:
    await state.clear()
    await say(callback, text(lang, "cancelled"), edit=True)


@routes.callback_query(or_f(RecipientCb.filter(), PayCb.filter()))
async def stale_button(callback: CallbackQuery, lang: str) -> None:
    await say(callback, text(lang, "expired"))
