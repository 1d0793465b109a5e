"""Steps shared by several use cases. Each runs inside a unit of work the caller opened."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from starshop.application.errors import IdempotencyConflict, PaymentGatewayRefused, UnknownPromoCode, UnknownTransaction
from starshop.application.ports import (
    Clock,
    IdGenerator,
    InvoiceRequest,
    PaymentGateway,
    PromoRedemption,
    UnitOfWork,
)
from starshop.domain import (
    Balance,
    Defaults,
    DropReason,
    Invoice,
    Money,
    OrderState,
    Overrides,
    PromoCode,
    PromoKind,
    PromoNotApplicable,
    ShopSettings,
    Transaction,
    TxStatus,
    WaitingOrder,
    referral_reward,
)
from starshop.domain.events import BalanceChanged, InvoiceClosed, OrderDropped, OrderFunded, PurchaseCancelled

# Orders this much older than an attempt cannot be confused with it (the lookup window is far narrower).
RECEIPT_HORIZON = timedelta(days=2)


def balance_change(balance: Balance, tx: Transaction, reason: str) -> BalanceChanged:
    return BalanceChanged(user_id=balance.user_id, tx_id=tx.id, amount=balance.amount, held=balance.held, reason=reason)


async def balance_changed(uow: UnitOfWork, balance: Balance, tx: Transaction, reason: str) -> None:
    await uow.outbox.add(balance_change(balance, tx, reason))


async def stored(uow: UnitOfWork, tx_id: str, *, lock: bool = False) -> Transaction:
    tx = await uow.transactions.get(tx_id, lock=lock)
    if tx is None:
        msg = f"no transaction {tx_id}"
        raise UnknownTransaction(msg)
    return tx


async def locked(uow: UnitOfWork, tx_id: str) -> Transaction:
    return await stored(uow, tx_id, lock=True)


async def cancel_waiting_purchase(uow: UnitOfWork, recharge: Transaction, now: datetime) -> None:
    """The invoice of a purchase paid by invoice will never be paid: the purchase is cancelled (nothing is held).
    A top-up an order waits for that will never be paid in full drops that order."""
    await _drop_waiting_order(uow, recharge, now)
    if recharge.purchase_id is None:
        return
    purchase = await locked(uow, recharge.purchase_id)
    if purchase.status is TxStatus.PENDING and not purchase.funded:
        await uow.transactions.update(purchase.moved_to(TxStatus.CANCELLED, now))
        item = purchase.purchase_details
        await uow.outbox.add(
            PurchaseCancelled(
                user_id=purchase.user_id,
                tx_id=purchase.id,
                stars=item.stars,
                recipient=item.recipient,
                months=item.months,
            )
        )


async def _drop_waiting_order(uow: UnitOfWork, recharge: Transaction, now: datetime) -> None:
    order = await uow.waiting_orders.get(recharge.id, lock=True)
    if order is None or order.state is not OrderState.WAITING:
        return
    await drop_waiting_order(uow, order, DropReason.NOT_PAID, now, price=order.price)


async def drop_waiting_order(
    uow: UnitOfWork, order: WaitingOrder, reason: DropReason, now: datetime, *, price: Money
) -> None:
    """The waiting ``order`` (locked by the caller) is dropped and its user told why, with the ``price`` that
    decided it (the confirmed one, or today's when that rose above it)."""
    await uow.waiting_orders.update(order.dropped(reason, now))
    await uow.outbox.add(
        OrderDropped(
            user_id=order.user_id,
            tx_id=order.recharge_id,
            stars=order.stars,
            recipient=order.recipient,
            price=price,
            reason=reason.value,
        )
    )


async def invoice_closed(uow: UnitOfWork, recharge: Transaction, *, why: str | None = None) -> None:
    """The closed (expired, cancelled, failed) recharge's invoice message in the bot is edited: its Pay button goes.

    ``why`` tells the user more than the status does (``underpaid``: money came, too little, and nothing was
    credited: an operator looks at it)."""
    if recharge.chat_message_id is not None and recharge.status in (TxStatus.EXPIRED, TxStatus.FAILED):
        await uow.outbox.add(
            InvoiceClosed(
                user_id=recharge.user_id,
                tx_id=recharge.id,
                amount=recharge.amount,
                message_id=recharge.chat_message_id,
                status=why or recharge.status.value,
            )
        )


async def waiting_order_funded(uow: UnitOfWork, recharge: Transaction) -> None:
    """The top-up an order waits for was credited in full: the worker places the order (``PlaceWaitingOrder``)."""
    order = await uow.waiting_orders.get(recharge.id)
    if order is not None and order.state is OrderState.WAITING:
        await uow.outbox.add(OrderFunded(user_id=recharge.user_id, tx_id=recharge.id))


async def open_invoice(uow: UnitOfWork, gateway: PaymentGateway, clock: Clock, recharge: Transaction) -> Invoice:
    """Ask the gateway for the recharge's invoice (idempotent on the order id) and store it.

    A refusal fails the recharge (and cancels a purchase waiting for it); an unknown outcome leaves it pending for
    the invoice reconciliation to settle.
    """
    terms = recharge.invoice_terms
    request = InvoiceRequest(
        order_id=terms.order_id, amount=terms.amount, user_id=recharge.user_id, description=recharge.description
    )
    try:
        invoice = await gateway.create_invoice(request)
    except PaymentGatewayRefused:
        async with uow:
            fresh = await locked(uow, recharge.id)
            if fresh.status.is_open:
                now = clock.now()
                await uow.transactions.update(fresh.moved_to(TxStatus.FAILED, now))
                await cancel_waiting_purchase(uow, fresh, now)
                await uow.commit()
        raise
    async with uow:
        fresh = await locked(uow, recharge.id)
        if fresh.invoice is None:
            await uow.transactions.update(
                fresh.evolve(invoice=invoice, expires_at=invoice.expires_at, updated_at=clock.now())
            )
            await uow.commit()
        else:
            invoice = fresh.invoice
    return invoice


def same_request(tx: Transaction, fingerprint: str) -> Transaction:
    """The transaction an idempotency key made, when this request (``fingerprint``) is the one that made it."""
    if tx.request_fingerprint != fingerprint:
        msg = "this idempotency key was already used for a different request"
        raise IdempotencyConflict(msg)
    return tx


async def use_code(uow: UnitOfWork, name: str, kind: PromoKind, user_id: int, tx_id: str, clock: Clock) -> PromoCode:
    """One use of the ``kind`` code ``name`` by ``user_id`` for the transaction ``tx_id``, inside the caller's unit
    of work, which has locked the user's balance row already (the lock order: balance, then code). The code's row
    is locked so its uses are counted one at a time; the code as it was before this use is returned."""
    code = await uow.promo_codes.get(name, lock=True)
    if code is None:
        msg = f"no promo code {name}"
        raise UnknownPromoCode(msg)
    if code.kind is not kind:
        how = "redeem it" if code.kind is PromoKind.BONUS else "give it with a purchase"
        msg = f"{name} is a {code.kind} code: {how}"
        raise PromoNotApplicable(msg)
    now = clock.now()
    used = code.used(now, used_by_user=await uow.promo_codes.used_by(name, user_id))
    await uow.promo_codes.update(used)
    await uow.promo_codes.add_redemption(
        PromoRedemption(code=name, user_id=user_id, tx_id=tx_id, at=now, once_per_user=code.once_per_user)
    )
    return code


async def reward_referrer(
    uow: UnitOfWork, purchase: Transaction, percent: Decimal, ids: IdGenerator, at: datetime
) -> Transaction | None:
    """Credit the referrer of the buyer of the just completed ``purchase`` its ``percent`` of the price, inside the
    caller's unit of work (the buyer's balance row is locked already; the referrer joined earlier, so the lock order
    always runs from newer users to older ones and never cycles). Nothing when rewards are off, the buyer has no
    referrer, the purchase was placed before the attribution, or the reward rounds to nothing."""
    if percent <= 0:
        return None
    referral = await uow.referrals.of(purchase.user_id)
    if referral is None or purchase.created_at < referral.at:
        return None
    amount = referral_reward(purchase.amount, percent)
    if not amount.is_positive:
        return None
    reward = Transaction.referral(
        id=ids.new_id(), referrer_id=referral.referrer_id, amount=amount, purchase=purchase, at=at
    )
    balance = await uow.balances.credit(referral.referrer_id, amount)
    await uow.transactions.add(reward)
    await balance_changed(uow, balance, reward, "referral")
    return reward


async def current_settings(uow: UnitOfWork, defaults: Defaults) -> ShopSettings:
    """The settings in force now, read in the caller's unit of work (never from a cache): a change applies to the
    next quote or purchase."""
    return ShopSettings.of(defaults, Overrides.from_stored(await uow.settings.stored()))
