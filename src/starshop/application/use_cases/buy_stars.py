from __future__ import annotations

from datetime import datetime, time

import attrs

from starshop.application.config import ShopConfig
from starshop.application.errors import (
    DuplicateTransaction,
    PaymentGatewayRefused,
    PriceAboveConfirmed,
    RateLimited,
    RecipientNotFound,
    SalesPaused,
    UnknownUser,
)
from starshop.application.ports import (
    Clock,
    IdGenerator,
    PaymentGateway,
    RateLimiter,
    RecipientCheck,
    StarDelivery,
    UnitOfWork,
)
from starshop.application.use_cases._shared import (
    balance_changed,
    current_settings,
    open_invoice,
    same_request,
    use_code,
)
from starshop.domain import (
    Defaults,
    Invoice,
    Money,
    PayWith,
    Product,
    PromoKind,
    ShopSettings,
    Transaction,
    check_months,
    normalise_code,
    normalise_recipient,
)
from starshop.domain.errors import InvalidAmount
from starshop.domain.events import PurchaseQueued


@attrs.frozen(kw_only=True)
class BuyStarsInput:
    """``stars`` for ``recipient``, or (``product`` premium) ``months`` of Telegram Premium given to them."""

    user_id: int
    recipient: str
    stars: int | None = None
    product: Product = Product.STARS
    months: int | None = None
    pay_with: PayWith = PayWith.BALANCE
    idempotency_key: str | None = None
    promo_code: str | None = None  # a discount code
    max_price: Money | None = None  # the most the user agreed to pay: checked again in the creating commit


@attrs.frozen(kw_only=True)
class PurchaseResult:
    purchase: Transaction
    invoice: Invoice | None = None
    replayed: bool = False


class BuyStars:
    """Order N stars (or 3, 6 or 12 months of Telegram Premium) for a recipient, paid from the balance or by the
    purchase's own invoice.

    - The settings in force are read from the store: first to refuse early, then again in the creating commit,
      whose price and bounds are the ones charged (a change applies to the next purchase, never a cached one). A
      retry of a purchase already made returns it whatever the settings are now.
    - In maintenance no purchase is created (``SalesSuspended`` with the operator's message); recharges go on and
      purchases already created are still delivered.
    - Stars within the policy's bounds, or months of Premium the shop prices (the Premium prices in force; none:
      Premium is not sold), never both; the recipient is a normalised Telegram username the provider does not
      reject; the price is quoted by the policy; per-user daily limits hold; the provider wallet is above its floor.
    - From the balance: one commit creates the pending purchase, holds its price (or fails cleanly with insufficient
      funds) and queues the delivery.
    - By invoice: one commit creates the pending, unfunded purchase and its recharge; the confirming payment funds it.
    - A repeated idempotency key returns the first purchase; with a different request it is refused. Copies of
      one request count once against the rate limit, and a copy that reaches the balance after the first one
      committed returns it (it is looked for again under the balance lock), so concurrent retries all get the
      first purchase, never a refusal. A request that fails without creating anything keeps its count, and its
      key's next copy counts again (a refused request cannot be retried past the rate limit).
    - A discount code takes its percent (at most its cap) off the price, counted as one use of the code in the
      purchase's commit; a code that may not be used now refuses the purchase and nothing is created. The use stays
      counted whatever becomes of the purchase.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        defaults: Defaults,
        delivery: StarDelivery,
        gateway: PaymentGateway,
        clock: Clock,
        ids: IdGenerator,
        limiter: RateLimiter,
        config: ShopConfig,
    ) -> None:
        self._uow = uow
        self._defaults = defaults
        self._delivery = delivery
        self._gateway = gateway
        self._clock = clock
        self._ids = ids
        self._limiter = limiter
        self._config = config

    async def __call__(self, data: BuyStarsInput) -> PurchaseResult:
        recipient = normalise_recipient(data.recipient)
        promo = None if data.promo_code is None else normalise_code(data.promo_code)
        what = f"premium:{data.months}" if data.product is Product.PREMIUM else f"{data.stars}"
        fingerprint = f"purchase:{what}:{recipient.lower()}:{data.pay_with}" + (f":promo:{promo}" if promo else "")
        existing = await self._replay(data, fingerprint)  # a retry gets its purchase whatever the settings now
        if existing is not None:
            return await self._finish(existing, replayed=True)
        async with self._uow as uow:
            settings = await current_settings(uow, self._defaults)
        settings.check_open()
        stars, months = self._item(data, settings)
        copy_of = None if data.idempotency_key is None else f"{data.idempotency_key}|{fingerprint}"
        if not await self._limiter.hit(data.user_id, "purchase", key=copy_of):
            msg = "too many purchases, try again shortly"
            raise RateLimited(msg)
        try:
            await self._check_provider(recipient, settings)
            purchase, replayed = await self._create(data, (stars, months), recipient, fingerprint, promo)
        except DuplicateTransaction:
            existing = await self._replay(data, fingerprint)
            if existing is None:
                raise
            return await self._finish(existing, replayed=True)
        except Exception:
            if copy_of is not None:  # nothing was created: a retry of this key counts again
                await self._limiter.forget_key(data.user_id, "purchase", key=copy_of)
            raise
        return await self._finish(purchase, replayed=replayed)

    def _item(self, data: BuyStarsInput, settings: ShopSettings) -> tuple[int | None, int | None]:
        """The stars, or the months of Premium, this request buys (the other is ``None``)."""
        if data.product is Product.PREMIUM:
            if data.stars is not None:
                msg = "a Premium purchase buys months, not stars: give months only"
                raise InvalidAmount(msg)
            months = check_months(data.months)
            settings.premium.price(months)  # sold, and these months are on sale
            return None, months
        if data.months is not None:
            msg = "a star purchase buys stars, not months"
            raise InvalidAmount(msg)
        return settings.policy.check_stars(data.stars), None

    async def _check_provider(self, recipient: str, settings: ShopSettings) -> None:
        floor = settings.wallet_floor
        if floor is not None:
            wallet = await self._delivery.wallet_balance()
            if wallet is not None and wallet < floor:
                msg = "star sales are paused for a moment, please try again later"
                raise SalesPaused(msg)
        if await self._delivery.check_recipient(recipient) is RecipientCheck.NOT_FOUND:
            msg = f"@{recipient} was not found on Telegram"
            raise RecipientNotFound(msg)

    async def _create(
        self,
        data: BuyStarsInput,
        item: tuple[int | None, int | None],
        recipient: str,
        fingerprint: str,
        promo: str | None,
    ) -> tuple[Transaction, bool]:
        stars, months = item
        now = self._clock.now()
        tx_id = self._ids.new_id()
        async with self._uow as uow:
            if await uow.balances.get(data.user_id) is None:
                msg = f"user {data.user_id} is not registered"
                raise UnknownUser(msg)
            day_start = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
            usage = await uow.transactions.daily_usage(data.user_id, day_start)  # locks the user's balance row
            if data.idempotency_key is not None:
                # A copy of this request may have committed while we waited for the lock: it is the answer.
                first = await uow.transactions.by_idempotency_key(data.user_id, data.idempotency_key)
                if first is not None:
                    return same_request(first, fingerprint), True
            settings = await current_settings(uow, self._defaults)  # the ones this commit charges by
            settings.check_open()
            price = settings.policy.price(stars) if stars is not None else settings.premium.price(months)
            if data.max_price is not None and price > data.max_price:
                msg = f"the price is now {price}, above the {data.max_price} that was confirmed"
                raise PriceAboveConfirmed(msg)
            settings.policy.check_daily(usage, stars or 0)
            discount = None
            if promo is not None:  # under the balance lock, then the code's
                code = await use_code(uow, promo, PromoKind.DISCOUNT, data.user_id, tx_id, self._clock)
                discount = code.discount(price)
            purchase = Transaction.purchase(
                id=tx_id,
                user_id=data.user_id,
                stars=stars,
                months=months,
                recipient=recipient,
                price=price if discount is None else price - discount,
                pay_with=data.pay_with,
                at=now,
                idempotency_key=data.idempotency_key,
                fingerprint=fingerprint,
                promo_code=promo,
                discount=discount,
            )
            if data.pay_with is PayWith.BALANCE:
                balance = await uow.balances.hold(data.user_id, purchase.amount)
                purchase = purchase.price_held(now)
                await uow.transactions.add(purchase)
                await balance_changed(uow, balance, purchase, "purchase_hold")
                await uow.outbox.add(PurchaseQueued(user_id=data.user_id, tx_id=purchase.id))
            else:
                await uow.transactions.add(purchase)
                invoice = Transaction.invoice_for(
                    purchase, id=self._ids.new_id(), at=now, lifetime=self._config.invoice_lifetime
                )
                await uow.transactions.add(invoice)
            await uow.commit()
        return purchase, False

    async def _replay(self, data: BuyStarsInput, fingerprint: str) -> Transaction | None:
        if data.idempotency_key is None:
            return None
        async with self._uow as uow:
            tx = await uow.transactions.by_idempotency_key(data.user_id, data.idempotency_key)
        return None if tx is None else same_request(tx, fingerprint)

    async def _finish(self, purchase: Transaction, *, replayed: bool) -> PurchaseResult:
        if purchase.pay_with is not PayWith.INVOICE:
            return PurchaseResult(purchase=purchase, replayed=replayed)
        async with self._uow as uow:
            recharge = await uow.transactions.invoice_of(purchase.id)
        if recharge is None:
            msg = f"purchase {purchase.id} has no invoice"
            raise PaymentGatewayRefused(msg)
        if recharge.invoice is not None:
            return PurchaseResult(purchase=purchase, invoice=recharge.invoice, replayed=replayed)
        if not recharge.status.is_open:
            msg = f"the invoice for purchase {purchase.id} could not be opened ({recharge.status})"
            raise PaymentGatewayRefused(msg)
        invoice = await open_invoice(self._uow, self._gateway, self._clock, recharge)
        return PurchaseResult(purchase=purchase, invoice=invoice, replayed=replayed)
