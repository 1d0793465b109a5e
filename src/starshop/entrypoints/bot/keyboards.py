"""Inline keyboards, each in the user's language."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from starshop.adapters.telegram.i18n import text
from starshop.domain import Money, PayWith, PremiumPrices, PurchasePolicy
from starshop.entrypoints.bot.callbacks import (
    ConfirmCb,
    HistoryCb,
    LangCb,
    MenuCb,
    OrderTopUpCb,
    PayCb,
    PremiumCb,
    RecipientCb,
    StarsCb,
    TopUpCb,
)

QUICK_STARS = (50, 100, 250, 500, 1000)
QUICK_TOP_UPS = (Decimal(5), Decimal(10), Decimal(25), Decimal(50), Decimal(100))


def _button(caption: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=caption, callback_data=data)


def _markup(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(row) for row in rows if row])


def main_menu(lang: str, shop_url: str | None = None, *, premium: bool = False) -> InlineKeyboardMarkup:
    """``shop_url``: the Mini App storefront (https, as Telegram requires), opened by a "🛍 Shop" button;
    ``premium``: Telegram Premium is sold, and its button shows."""

    def item(key: str, action: str) -> InlineKeyboardButton:
        return _button(text(lang, key), MenuCb(action=action).pack())

    shop = [InlineKeyboardButton(text=text(lang, "btn_shop"), web_app=WebAppInfo(url=shop_url))] if shop_url else []
    return _markup(
        [
            shop,
            [item("btn_buy", "buy"), item("btn_balance", "balance")],
            [item("btn_premium", "premium")] if premium else [],
            [item("btn_repeat", "repeat")],
            [item("btn_topup", "topup"), item("btn_history", "history")],
            [item("btn_promo", "promo"), item("btn_lang", "lang")],
            [item("btn_referrals", "referrals"), item("btn_help", "help")],
        ]
    )


def star_amounts(lang: str, policy: PurchasePolicy) -> InlineKeyboardMarkup:
    """The quick amounts the settings in force allow (an operator may raise the least or lower the most), each with
    its price today."""
    allowed = [n for n in QUICK_STARS if policy.min_stars <= n <= policy.max_stars]
    buttons = [_button(f"{n} ⭐ · {policy.price(n)}", StarsCb(stars=n).pack()) for n in allowed]
    buttons.append(_button(text(lang, "btn_other"), StarsCb(stars=0).pack()))
    return _markup([row for row in (buttons[:3], buttons[3:]) if row])


def premium_months(lang: str, prices: PremiumPrices) -> InlineKeyboardMarkup:
    """One button per number of months on sale, with its price."""
    buttons = [
        _button(text(lang, "btn_premium_months", months=m, price=prices.price(m)), PremiumCb(months=m).pack())
        for m in prices.offered
    ]
    return _markup([[b] for b in buttons] + [[cancel_button(lang)]])


def recipients(lang: str, *, myself: bool = True) -> InlineKeyboardMarkup:
    row = [_button(text(lang, "btn_gift"), RecipientCb(gift=True).pack())]
    if myself:
        row.insert(0, _button(text(lang, "btn_myself"), RecipientCb(gift=False).pack()))
    return _markup([row, [cancel_button(lang)]])


def payment_methods(lang: str, available: Money) -> InlineKeyboardMarkup:
    return _markup(
        [
            [_button(text(lang, "btn_pay_balance", available=available), PayCb(method=PayWith.BALANCE).pack())],
            [_button(text(lang, "btn_pay_invoice"), PayCb(method=PayWith.INVOICE).pack())],
            [cancel_button(lang)],
        ]
    )


def confirmation(lang: str, ref: str) -> InlineKeyboardMarkup:
    """``ref`` ties the *Confirm* button to this confirmation: pressed on an older one, it places nothing."""
    return _markup([[_button(text(lang, "btn_confirm"), ConfirmCb(ok=True, ref=ref).pack()), cancel_button(lang)]])


def cancel_button(lang: str) -> InlineKeyboardButton:
    return _button(text(lang, "btn_cancel"), ConfirmCb(ok=False, ref="").pack())


def top_up_amounts(lang: str, low: Money, high: Money) -> InlineKeyboardMarkup:
    amounts = [a for a in QUICK_TOP_UPS if low.amount <= a <= high.amount]
    buttons = [_button(str(Money.of(a, low.currency)), TopUpCb(amount=str(a)).pack()) for a in amounts]
    buttons.append(_button(text(lang, "btn_other"), TopUpCb(amount="").pack()))
    return _markup([buttons[:3], buttons[3:]])


def top_up_missing(lang: str, amount: Money) -> InlineKeyboardMarkup:
    data = TopUpCb(amount=f"{amount.amount:f}").pack()
    return _markup([[_button(text(lang, "btn_topup_amount", amount=amount), data)]])


def order_top_up(lang: str, amount: Money, ref: str) -> InlineKeyboardMarkup:
    """Top up ``amount`` and have the refused order (its confirmation's ``ref``) placed when the payment arrives."""
    data = OrderTopUpCb(ref=ref).pack()
    return _markup([[_button(text(lang, "btn_topup_and_buy", amount=amount), data)], [cancel_button(lang)]])


def pay_link(caption: str, url: str) -> InlineKeyboardMarkup:
    return _markup([[InlineKeyboardButton(text=caption, url=url)]])


def history_pages(lang: str, page: int, pages: int) -> InlineKeyboardMarkup | None:
    row = []
    if page > 1:
        row.append(_button(text(lang, "btn_prev"), HistoryCb(page=page - 1).pack()))
    if page < pages:
        row.append(_button(text(lang, "btn_next"), HistoryCb(page=page + 1).pack()))
    return _markup([row]) if row else None


def languages() -> InlineKeyboardMarkup:
    return _markup([[_button("🇬🇧 English", LangCb(code="en").pack()), _button("🇷🇺 Русский", LangCb(code="ru").pack())]])
