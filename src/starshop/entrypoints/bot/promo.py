"""Promo codes in the bot: ``/promo CODE``, ``/promo`` or the menu button then the code.

The redemption's idempotency key is the message that carried the code, so an update Telegram delivers again
replays the first answer instead of redeeming twice.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from dishka import FromDishka

from starshop.adapters.telegram.i18n import text
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.redeem_promo_code import RedeemPromoCode, Redemption
from starshop.entrypoints.bot.callbacks import MenuCb
from starshop.entrypoints.bot.replies import Event, say
from starshop.entrypoints.bot.routes import Routes
from starshop.entrypoints.bot.states import PromoDialog

routes = Routes("starshop.promo")


async def ask_code(event: Event, state: FSMContext, lang: str) -> None:
    await state.set_state(PromoDialog.code)
    await say(event, text(lang, "promo_enter"))


@routes.message(Command("promo"))
async def promo_command(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    lang: str,
    redeem: FromDishka[RedeemPromoCode],
    get_balance: FromDishka[GetBalance],
) -> None:
    await state.clear()
    if not command.args:
        await ask_code(message, state, lang)
        return
    await redeem_from(message, command.args, lang, redeem, get_balance)


@routes.callback_query(MenuCb.filter(F.action == "promo"))
async def menu_promo(callback: CallbackQuery, state: FSMContext, lang: str) -> None:
    await ask_code(callback, state, lang)


@routes.message(PromoDialog.code, F.text & ~F.text.startswith("/"))
async def code_typed(
    message: Message,
    state: FSMContext,
    lang: str,
    redeem: FromDishka[RedeemPromoCode],
    get_balance: FromDishka[GetBalance],
) -> None:
    await state.clear()
    await redeem_from(message, message.text or "", lang, redeem, get_balance)


async def redeem_from(
    message: Message, typed: str, lang: str, redeem: RedeemPromoCode, get_balance: GetBalance
) -> None:
    """Errors (unknown, expired, used up, already used, not a code) are the runner's one error mapping's."""
    user_id = message.from_user.id  # type: ignore[union-attr]
    key = f"tg-{message.chat.id}-{message.message_id}"
    result = await redeem(Redemption(user_id=user_id, code=typed, idempotency_key=key))
    tx = result.transaction
    balance = await get_balance(user_id)
    await say(message, text(lang, "promo_redeemed", code=tx.promo_code, amount=tx.amount, balance=balance.amount))
