from __future__ import annotations

from starshop.application.errors import ApplicationError, PaymentGatewayUnavailable, PriceAboveConfirmed
from starshop.application.ports import Clock, UnitOfWork
from starshop.application.use_cases._shared import current_settings, drop_waiting_order
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.domain import (
    Defaults,
    DomainError,
    DropReason,
    InsufficientFunds,
    Money,
    OrderState,
    PayWith,
    Transaction,
    TxStatus,
    WaitingOrder,
)
from starshop.domain.events import OrderPlaced


class PlaceWaitingOrder:
    """Place the order that waited for the top-up ``recharge_id``, once that top-up is credited.

    - Only a waiting order whose recharge is completed is placed; any other call changes nothing (a copy of the
      task, a replayed event, an order placed or dropped already).
    - The purchase is made by ``BuyStars`` from the balance, under an idempotency key derived from the recharge:
      however many copies run, at once or later, one purchase exists. Its price is held only if the balance covers
      today's price, as for any purchase.
    - Today's price (the settings in force) above the one the user confirmed drops the order (the top-up stays on the
      balance), as does a refusal of the purchase (not enough money, recipient, limits, sales paused); the user is
      told either way. The confirmed price is also the purchase's ``max_price``, checked again in its own commit, so
      a price raised between this look and that commit drops the order too: never charged above what was agreed.
    - A purchase that exists wins over a drop decided at the same moment: the order is recorded as placed.
    """

    def __init__(self, uow: UnitOfWork, buy: BuyStars, defaults: Defaults, clock: Clock) -> None:
        self._uow = uow
        self._buy = buy
        self._defaults = defaults
        self._clock = clock

    async def __call__(self, recharge_id: str) -> OrderState | None:
        async with self._uow as uow:
            order = await uow.waiting_orders.get(recharge_id)
            recharge = await uow.transactions.get(recharge_id)
            settings = await current_settings(uow, self._defaults)
        if order is None or recharge is None or order.state is not OrderState.WAITING:
            return order.state if order is not None else None
        if recharge.status is not TxStatus.COMPLETED:
            return order.state  # not credited (yet): its credit's event places it
        try:
            price = settings.policy.price(order.stars)
        except DomainError:  # the stars are out of the bounds in force now
            return await self._drop(order, DropReason.REFUSED, order.price)
        if price > order.price:
            return await self._drop(order, DropReason.PRICE_CHANGED, price)
        data = BuyStarsInput(
            user_id=order.user_id,
            stars=order.stars,
            recipient=order.recipient,
            pay_with=PayWith.BALANCE,
            idempotency_key=order.idempotency_key,
            max_price=order.price,
        )
        try:
            purchase = (await self._buy(data)).purchase
        except PaymentGatewayUnavailable:
            raise
        except PriceAboveConfirmed:
            return await self._drop(order, DropReason.PRICE_CHANGED, price)
        except InsufficientFunds:
            return await self._drop(order, DropReason.INSUFFICIENT_FUNDS, price)
        except (ApplicationError, DomainError):
            return await self._drop(order, DropReason.REFUSED, price)
        return await self._placed(order, purchase)

    async def _placed(self, order: WaitingOrder, purchase: Transaction) -> OrderState:
        async with self._uow as uow:
            fresh = await uow.waiting_orders.get(order.recharge_id, lock=True)
            if fresh is None or fresh.state is OrderState.PLACED:
                return OrderState.PLACED
            await uow.waiting_orders.update(fresh.placed(purchase.id, self._clock.now()))
            await uow.outbox.add(
                OrderPlaced(
                    user_id=order.user_id,
                    tx_id=order.recharge_id,
                    stars=order.stars,
                    recipient=order.recipient,
                    price=purchase.amount,
                )
            )
            await uow.commit()
        return OrderState.PLACED

    async def _drop(self, order: WaitingOrder, reason: DropReason, price: Money) -> OrderState:
        async with self._uow as uow:
            fresh = await uow.waiting_orders.get(order.recharge_id, lock=True)
            if fresh is None or fresh.state is not OrderState.WAITING:
                return fresh.state if fresh is not None else OrderState.DROPPED
            made = await uow.transactions.by_idempotency_key(order.user_id, order.idempotency_key)
            if made is not None:  # a copy placed it meanwhile
                await uow.waiting_orders.update(fresh.placed(made.id, self._clock.now()))
                await uow.commit()
                return OrderState.PLACED
            await drop_waiting_order(uow, fresh, reason, self._clock.now(), price=price)
            await uow.commit()
        return OrderState.DROPPED
