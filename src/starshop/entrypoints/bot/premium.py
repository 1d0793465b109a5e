"""Giving Telegram Premium: months (with their prices) -> recipient -> payment method -> confirmation -> order.

``/premium`` and the menu's "💎 Telegram Premium" button (shown only when Premium is sold) offer the months on sale
at the Premium prices in force (a run-time shop setting, read anew each time);
the chosen months enter the buying dialog (``buy``) at the recipient. A months button that is not on sale (a forged
or outdated one) is refused with a clear text and starts nothing.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from dishka import FromDishka

from starshop.adapters.telegram.i18n import text
from starshop.application.use_cases.get_shop_settings import GetShopSettings
from starshop.domain import PremiumPrices
from starshop.entrypoints.bot import keyboards
from starshop.entrypoints.bot.buy import ask_recipient
from starshop.entrypoints.bot.callbacks import MenuCb, PremiumCb
from starshop.entrypoints.bot.replies import Event, say
from starshop.entrypoints.bot.routes import Routes

routes = Routes("starshop.premium")


@routes.message(Command("premium"))
async def premium_command(
    message: Message, state: FSMContext, lang: str, settings: FromDishka[GetShopSettings]
) -> None:
    await state.clear()
    await offer(message, lang, (await settings()).premium)


@routes.callback_query(MenuCb.filter(F.action == "premium"))
async def menu_premium(
    callback: CallbackQuery, state: FSMContext, lang: str, settings: FromDishka[GetShopSettings]
) -> None:
    await state.clear()
    await offer(callback, lang, (await settings()).premium)


async def offer(event: Event, lang: str, prices: PremiumPrices) -> None:
    if not prices.sold:
        await say(event, text(lang, "e_premium_not_sold"))
        return
    await say(event, text(lang, "premium_choose"), keyboards.premium_months(lang, prices))


@routes.callback_query(PremiumCb.filter())
async def months_chosen(
    callback: CallbackQuery,
    callback_data: PremiumCb,
    state: FSMContext,
    lang: str,
    settings: FromDishka[GetShopSettings],
) -> None:
    await state.clear()
    prices = (await settings()).premium  # in force now
    prices.price(callback_data.months)  # sold, and on sale: else the error's own reply, and nothing starts
    await state.update_data(months=callback_data.months)
    await ask_recipient(callback, state, lang, edit=True)
