from __future__ import annotations

import attrs

from starshop.application.errors import DuplicateTransaction, UnknownPromoCode, UnknownUser
from starshop.application.ports import Clock, IdGenerator, UnitOfWork
from starshop.application.use_cases._shared import balance_changed, same_request, use_code
from starshop.domain import CurrencyMismatch, PromoKind, Transaction, normalise_code


@attrs.frozen(kw_only=True)
class Redemption:
    user_id: int
    code: str
    idempotency_key: str | None = None


@attrs.frozen(kw_only=True)
class RedeemResult:
    transaction: Transaction
    replayed: bool = False


class RedeemPromoCode:
    """A user redeems a bonus promo code: its amount is credited as a completed ``promo`` entry, in one commit with
    the code's use.

    - An unknown, disabled, expired or used-up code, a discount code, or a once-per-user code this user already
      used is refused with its reason, and nothing changes.
    - Uses are counted under the code's lock: a code limited to N uses gives exactly N, however many try at once.
    - A repeated idempotency key returns the first credit; with another code it is refused.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, data: Redemption) -> RedeemResult:
        name = normalise_code(data.code)
        fingerprint = f"promo:{name}"
        existing = await self._earlier(data, fingerprint)
        if existing is not None:
            return RedeemResult(transaction=existing, replayed=True)
        try:
            return await self._redeem(data, name, fingerprint)
        except DuplicateTransaction:
            existing = await self._earlier(data, fingerprint)
            if existing is None:
                raise
            return RedeemResult(transaction=existing, replayed=True)

    async def _redeem(self, data: Redemption, name: str, fingerprint: str) -> RedeemResult:
        async with self._uow as uow:
            balance = await uow.balances.get(data.user_id)
            if balance is None:
                msg = f"user {data.user_id} is not registered"
                raise UnknownUser(msg)
            terms = await uow.promo_codes.get(name)  # a code's terms never change: what to credit
            if terms is None:
                msg = f"no promo code {name}"
                raise UnknownPromoCode(msg)
            amount = terms.credit
            if amount.currency != balance.currency:
                msg = f"balances are in {balance.currency}, not {amount.currency}"
                raise CurrencyMismatch(msg)
            balance = await uow.balances.credit(data.user_id, amount)  # the balance row first, then the code's
            if data.idempotency_key is not None:
                # a copy of this request may have committed while we waited for the balance row: it is the answer
                first = await uow.transactions.by_idempotency_key(data.user_id, data.idempotency_key)
                if first is not None:
                    return RedeemResult(transaction=same_request(first, fingerprint), replayed=True)
            tx = Transaction.promo(
                id=self._ids.new_id(),
                user_id=data.user_id,
                code=name,
                amount=amount,
                at=self._clock.now(),
                idempotency_key=data.idempotency_key,
                fingerprint=fingerprint,
            )
            await use_code(uow, name, PromoKind.BONUS, data.user_id, tx.id, self._clock)
            await uow.transactions.add(tx)
            await balance_changed(uow, balance, tx, "promo")
            await uow.commit()
        return RedeemResult(transaction=tx)

    async def _earlier(self, data: Redemption, fingerprint: str) -> Transaction | None:
        if data.idempotency_key is None:
            return None
        async with self._uow as uow:
            tx = await uow.transactions.by_idempotency_key(data.user_id, data.idempotency_key)
        return None if tx is None else same_request(tx, fingerprint)
