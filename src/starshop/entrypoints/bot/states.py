"""Dialog states for multi-step input."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class BuyDialog(StatesGroup):
    stars = State()
    recipient = State()
    confirm = State()
    top_up = State()  # a confirmed order refused for lack of money: its top-up is offered


class RechargeDialog(StatesGroup):
    amount = State()


class PromoDialog(StatesGroup):
    code = State()
