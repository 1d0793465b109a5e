"""/start, /balance, /history, /help, /lang, /cancel and the main-menu buttons."""

from __future__ import annotations

import math

from aiogram import F
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from dishka import FromDishka

from starshop.adapters.telegram.i18n import pick_language, text
from starshop.application.use_cases.attribute_referral import AttributeReferral, ReferralArrival
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_history import GetHistory, HistoryQuery
from starshop.application.use_cases.get_shop_settings import GetShopSettings
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile
from starshop.application.use_cases.set_language import LanguageChoice, SetLanguage
from starshop.domain import code_of_start
from starshop.entrypoints.bot import keyboards, render
from starshop.entrypoints.bot.callbacks import HistoryCb, LangCb, MenuCb
from starshop.entrypoints.bot.replies import Event, quoted, say
from starshop.entrypoints.bot.routes import Routes

PAGE_SIZE = 5
routes = Routes("starshop.menu")


@routes.message(CommandStart())
async def start(
    message: Message,
    state: FSMContext,
    lang: str,
    register: FromDishka[RegisterUser],
    get_balance: FromDishka[GetBalance],
    attribute: FromDishka[AttributeReferral],
    shop_settings: FromDishka[GetShopSettings],
    command: CommandObject | None = None,
    shop_url: str | None = None,
) -> None:
    """``shop_url`` (the dispatcher's, see ``build_dispatcher``) adds the storefront's button to the menu; a
    ``ref_<code>`` payload (``t.me/<bot>?start=ref_<code>``) is offered for attribution (once at most)."""
    user = message.from_user
    assert user is not None
    await state.clear()
    await register(
        TelegramProfile(  # within Telegram's own limits, whatever an update claims
            user_id=user.id,
            username=_within(user.username, 32),
            first_name=_within(user.first_name, 64),
            last_name=_within(user.last_name, 64),
            is_premium=bool(user.is_premium),
            language_code=_within(user.language_code, 16),
        )
    )
    code = code_of_start(command.args if command else None)
    if code is not None:
        await attribute(ReferralArrival(user_id=user.id, code=code))
    balance = await get_balance(user.id)
    name = quoted(user.first_name)
    await say(
        message,
        text(lang, "start", name=name, balance=balance.amount),
        keyboards.main_menu(lang, shop_url, premium=(await shop_settings()).premium.sold),
    )


def _within(value: str | None, limit: int) -> str | None:
    return value[:limit] if value is not None else None


@routes.message(Command("balance"))
async def balance_command(message: Message, lang: str, get_balance: FromDishka[GetBalance]) -> None:
    await show_balance(message, lang, get_balance)


async def show_balance(event: Event, lang: str, get_balance: GetBalance) -> None:
    await say(event, render.balance(lang, await get_balance(event.from_user.id)))  # type: ignore[union-attr]


@routes.message(Command("history"))
async def history_command(message: Message, lang: str, history: FromDishka[GetHistory]) -> None:
    await show_history(message, lang, history, page=1)


@routes.callback_query(HistoryCb.filter())
async def history_page(
    callback: CallbackQuery, callback_data: HistoryCb, lang: str, history: FromDishka[GetHistory]
) -> None:
    await show_history(callback, lang, history, page=callback_data.page, edit=True)


async def show_history(event: Event, lang: str, history: GetHistory, *, page: int, edit: bool = False) -> None:
    """A page of the history; a page number out of range (a forged button) shows the nearest real page."""
    user_id = event.from_user.id  # type: ignore[union-attr]
    page = max(page, 1)
    found = await history(HistoryQuery(user_id=user_id, page=page, page_size=PAGE_SIZE))
    if not found.total:
        await say(event, text(lang, "history_empty"), edit=edit)
        return
    pages = math.ceil(found.total / PAGE_SIZE)
    if page > pages:
        page = pages
        found = await history(HistoryQuery(user_id=user_id, page=page, page_size=PAGE_SIZE))
    lines = [text(lang, "history_title", page=page, pages=pages), ""]
    lines += [render.tx_line(lang, tx) for tx in found.items]
    await say(event, "\n".join(lines), keyboards.history_pages(lang, page, pages), edit=edit)


@routes.message(Command("help"))
async def help_command(message: Message, lang: str, shop_settings: FromDishka[GetShopSettings]) -> None:
    await say(message, await help_text(lang, shop_settings))


async def help_text(lang: str, shop_settings: GetShopSettings) -> str:
    """The commands, with the least stars in force (an operator may have raised it)."""
    return text(lang, "help", min=(await shop_settings()).policy.min_stars)


@routes.message(Command("lang"))
async def lang_command(message: Message, lang: str) -> None:
    await say(message, text(lang, "lang_choose"), keyboards.languages())


@routes.callback_query(LangCb.filter())
async def lang_chosen(callback: CallbackQuery, callback_data: LangCb, set_language: FromDishka[SetLanguage]) -> None:
    """Stored on the user's row: the storefront shows the same language."""
    lang = pick_language(callback_data.code)
    await set_language(LanguageChoice(user_id=callback.from_user.id, language=lang))
    await say(callback, text(lang, "lang_set"), edit=True)


@routes.message(Command("cancel"))
async def cancel_command(message: Message, state: FSMContext, lang: str) -> None:
    if await state.get_state() is None:
        await say(message, text(lang, "nothing_to_cancel"))
        return
    await state.clear()
    await say(message, text(lang, "cancelled"))


@routes.callback_query(MenuCb.filter(F.action == "balance"))
async def menu_balance(callback: CallbackQuery, lang: str, get_balance: FromDishka[GetBalance]) -> None:
    await show_balance(callback, lang, get_balance)


@routes.callback_query(MenuCb.filter(F.action == "history"))
async def menu_history(callback: CallbackQuery, lang: str, history: FromDishka[GetHistory]) -> None:
    await show_history(callback, lang, history, page=1)


@routes.callback_query(MenuCb.filter(F.action == "lang"))
async def menu_lang(callback: CallbackQuery, lang: str) -> None:
    await say(callback, text(lang, "lang_choose"), keyboards.languages())


@routes.callback_query(MenuCb.filter(F.action == "help"))
async def menu_help(callback: CallbackQuery, lang: str, shop_settings: FromDishka[GetShopSettings]) -> None:
    await say(callback, await help_text(lang, shop_settings))
