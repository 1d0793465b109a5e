from __future__ import annotations

import attrs

from starshop.application.config import ShopConfig
from starshop.application.errors import PriceAboveConfirmed, UnknownUser
from starshop.application.ports import UnitOfWork
from starshop.application.use_cases._shared import current_settings
from starshop.application.use_cases.create_recharge import (
    CreateRecharge,
    CreateRechargeInput,
    OrderToPlace,
    RechargeResult,
)
from starshop.domain import CurrencyMismatch, Defaults, Money, normalise_recipient


@attrs.frozen(kw_only=True)
class OrderTopUp:
    user_id: int
    stars: int
    recipient: str
    price: Money  # the price the user confirmed
    idempotency_key: str | None = None


class TopUpForOrder:
    """Open a top-up of what an order paid from the balance is missing; the order is placed when it is credited.

    - The stars and recipient are checked as a purchase checks them, against the settings in force (none while
      sales are paused); ``price`` is what the user confirmed, the most the order may cost when it is placed, and
      it must still cover today's price (``PriceAboveConfirmed`` otherwise: confirm again), so nobody pays a top-up
      for an order bound to be dropped. A retry of a top-up already made is answered with it.
    - The top-up is the price less the money available now, and at least the smallest top-up the shop accepts.
    - The recharge and its waiting order are committed together (``CreateRecharge``); when the recharge is
      credited in full, ``PlaceWaitingOrder`` places the order once. An expired, cancelled or underpaid top-up
      drops the order.
    """

    def __init__(self, uow: UnitOfWork, defaults: Defaults, config: ShopConfig, create: CreateRecharge) -> None:
        self._uow = uow
        self._defaults = defaults
        self._config = config
        self._create = create

    async def __call__(self, data: OrderTopUp) -> RechargeResult:
        recipient = normalise_recipient(data.recipient)
        if data.price.currency != self._config.currency:
            msg = f"prices are in {self._config.currency}, not {data.price.currency}"
            raise CurrencyMismatch(msg)
        async with self._uow as uow:
            settings = await current_settings(uow, self._defaults)
            balance = await uow.balances.get(data.user_id)
            key = data.idempotency_key
            made = None if key is None else await uow.transactions.by_idempotency_key(data.user_id, key)
        stars = data.stars
        if made is None:  # a retry of a top-up already made is answered with it, whatever the settings are now
            settings.check_open()
            stars = settings.policy.check_stars(data.stars)
            today = settings.policy.price(stars)
            if today > data.price:
                msg = f"the price is now {today}, above the {data.price} that was confirmed"
                raise PriceAboveConfirmed(msg)
        if balance is None:
            msg = f"user {data.user_id} is not registered"
            raise UnknownUser(msg)
        missing = data.price - balance.available
        amount = missing if missing > self._config.min_recharge else self._config.min_recharge
        order = OrderToPlace(stars=stars, recipient=recipient, price=data.price)
        return await self._create(
            CreateRechargeInput(user_id=data.user_id, amount=amount, idempotency_key=data.idempotency_key, order=order)
        )
