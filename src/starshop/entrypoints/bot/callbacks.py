"""Callback data of every inline button (short prefixes: Telegram allows 64 bytes).

Callback data comes from the client and is checked as strictly as typed input: numbers are ASCII digits only, a
pay method is one of ``PayWith``. Data that does not fit its class matches no handler and is answered as an
invalid button (``guards``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from aiogram.filters.callback_data import CallbackData
from pydantic import BeforeValidator, Field

from starshop.domain import PayWith

_INTEGER = re.compile(r"-?[0-9]{1,64}")


def _ascii_integer(value: Any) -> Any:
    """An ``int`` field takes ASCII digits only (pydantic alone would take ``1_000``, `` 5`` or ``+5``)."""
    if isinstance(value, str) and not _INTEGER.fullmatch(value):
        msg = "not a whole number in ASCII digits"
        raise ValueError(msg)
    return value


Integer = Annotated[int, BeforeValidator(_ascii_integer)]


class MenuCb(CallbackData, prefix="m"):
    action: str  # buy, premium, repeat, balance, topup, history, lang, help


class StarsCb(CallbackData, prefix="bs"):
    stars: Integer  # 0 means "other": ask for a number; anything else is checked against the policy's bounds


class PremiumCb(CallbackData, prefix="pm"):
    months: Integer  # 3, 6 or 12, and on sale: checked against the shop's Premium prices


class RecipientCb(CallbackData, prefix="br"):
    gift: bool


class PayCb(CallbackData, prefix="bp"):
    method: PayWith


class ConfirmCb(CallbackData, prefix="bc"):
    ok: bool
    ref: str  # the confirmation's own key (its hex part): a Confirm button belongs to its confirmation


class OrderTopUpCb(CallbackData, prefix="bt"):
    ref: str  # the refused confirmation's own key: top up what is missing and place that order when it is paid


class TopUpCb(CallbackData, prefix="tu"):
    amount: str  # "" means "other": ask for an amount


class HistoryCb(CallbackData, prefix="h"):
    page: Annotated[Integer, Field(ge=-(10**6), le=10**6)]


class LangCb(CallbackData, prefix="l"):
    code: str
