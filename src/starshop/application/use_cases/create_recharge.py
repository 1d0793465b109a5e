from __future__ import annotations

import attrs

from starshop.application.config import ShopConfig
from starshop.application.errors import (
    DuplicateTransaction,
    IdempotencyConflict,
    PaymentGatewayRefused,
    RateLimited,
    UnknownUser,
)
from starshop.application.ports import Clock, IdGenerator, PaymentGateway, RateLimiter, UnitOfWork
from starshop.application.use_cases._shared import open_invoice
from starshop.domain import CurrencyMismatch, InvalidAmount, Invoice, Money, Transaction, TxType, WaitingOrder


@attrs.frozen(kw_only=True)
class OrderToPlace:
    """The order a top-up is for (see ``TopUpForOrder``): ``stars`` for ``recipient``, at most at ``price``."""

    stars: int
    recipient: str
    price: Money


@attrs.frozen(kw_only=True)
class CreateRechargeInput:
    user_id: int
    amount: Money
    idempotency_key: str | None = None
    order: OrderToPlace | None = None

    @property
    def fingerprint(self) -> str:
        if self.order is not None:  # the amount is what was missing when first asked: a retry may see another
            o = self.order
            return f"recharge:order:{o.stars}:{o.recipient.lower()}:{o.price.amount}:{o.price.currency}"
        return f"recharge:{self.amount.amount}:{self.amount.currency}"


@attrs.frozen(kw_only=True)
class RechargeResult:
    recharge: Transaction
    invoice: Invoice
    replayed: bool = False


class CreateRecharge:
    """Open a top-up: a pending recharge journal row, then the gateway's invoice for it.

    - The amount is positive, in the shop's currency, within the configured bounds; the user is registered.
    - The row is committed before the gateway is called; its order id is derived from its id, so a retried create
      returns the same invoice. A repeated idempotency key returns the first recharge; with other data it is refused.
    - Money-moving actions count against the user's rate limit.
    - With an ``order``, the order waiting for this top-up is stored in the recharge's commit (see
      ``PlaceWaitingOrder``).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        gateway: PaymentGateway,
        clock: Clock,
        ids: IdGenerator,
        limiter: RateLimiter,
        config: ShopConfig,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._ids = ids
        self._limiter = limiter
        self._config = config

    async def __call__(self, data: CreateRechargeInput) -> RechargeResult:
        self._check_amount(data.amount)
        existing = await self._replay(data)
        if existing is not None:
            return await self._finish(existing, replayed=True)
        copy_of = None if data.idempotency_key is None else f"{data.idempotency_key}|{data.fingerprint}"
        if not await self._limiter.hit(data.user_id, "recharge", key=copy_of):
            msg = "too many top-ups, try again shortly"
            raise RateLimited(msg)
        recharge = Transaction.recharge(
            id=self._ids.new_id(),
            user_id=data.user_id,
            amount=data.amount,
            at=self._clock.now(),
            lifetime=self._config.invoice_lifetime,
            idempotency_key=data.idempotency_key,
            fingerprint=data.fingerprint,
        )
        try:
            await self._store(recharge, data.order)
        except DuplicateTransaction:
            existing = await self._replay(data)
            if existing is None:
                raise
            return await self._finish(existing, replayed=True)
        except Exception:
            if copy_of is not None:  # nothing was created: a retry of this key counts again
                await self._limiter.forget_key(data.user_id, "recharge", key=copy_of)
            raise
        return await self._finish(recharge, replayed=False)

    async def _store(self, recharge: Transaction, order: OrderToPlace | None) -> None:
        async with self._uow as uow:
            if await uow.balances.get(recharge.user_id) is None:
                msg = f"user {recharge.user_id} is not registered"
                raise UnknownUser(msg)
            await uow.transactions.add(recharge)
            if order is not None:
                waiting = WaitingOrder(
                    recharge_id=recharge.id,
                    user_id=recharge.user_id,
                    stars=order.stars,
                    recipient=order.recipient,
                    price=order.price,
                    created_at=recharge.created_at,
                    updated_at=recharge.created_at,
                )
                await uow.waiting_orders.add(waiting)
            await uow.commit()

    def _check_amount(self, amount: Money) -> None:
        if amount.currency != self._config.currency:
            msg = f"top-ups are in {self._config.currency}, not {amount.currency}"
            raise CurrencyMismatch(msg)
        if amount < self._config.min_recharge or amount > self._config.max_recharge:
            msg = f"a top-up must be between {self._config.min_recharge} and {self._config.max_recharge}"
            raise InvalidAmount(msg)

    async def _replay(self, data: CreateRechargeInput) -> Transaction | None:
        if data.idempotency_key is None:
            return None
        async with self._uow as uow:
            tx = await uow.transactions.by_idempotency_key(data.user_id, data.idempotency_key)
        if tx is not None and (tx.type is not TxType.RECHARGE or tx.request_fingerprint != data.fingerprint):
            msg = "this idempotency key was already used for a different request"
            raise IdempotencyConflict(msg)
        return tx

    async def _finish(self, recharge: Transaction, *, replayed: bool) -> RechargeResult:
        if recharge.invoice is not None:
            return RechargeResult(recharge=recharge, invoice=recharge.invoice, replayed=replayed)
        if not recharge.status.is_open:
            msg = f"top-up {recharge.id} could not be opened ({recharge.status})"
            raise PaymentGatewayRefused(msg)
        invoice = await open_invoice(self._uow, self._gateway, self._clock, recharge)
        return RechargeResult(recharge=recharge.evolve(invoice=invoice), invoice=invoice, replayed=replayed)
