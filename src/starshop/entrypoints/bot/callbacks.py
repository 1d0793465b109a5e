"""Callback data of every inline button (short prefixes: Telegram allows 64 bytes)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MenuCb(CallbackData, prefix="m"):
    action: str  # buy, balance, topup, history, lang, help


class StarsCb(CallbackData, prefix="bs"):
    stars: int  # 0 means "other": ask for a number


class RecipientCb(CallbackData, prefix="br"):
    gift: bool


class PayCb(CallbackData, prefix="bp"):
    method: str  # PayWith value


class ConfirmCb(CallbackData, prefix="bc"):
    ok: bool


class TopUpCb(CallbackData, prefix="tu"):
    amount: str  # "" means "other": ask for an amount


class HistoryCb(CallbackData, prefix="h"):
    page: int


class LangCb(CallbackData, prefix="l"):
    code: str
