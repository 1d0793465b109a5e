from __future__ import annotations

from starshop.application.config import ShopConfig
from starshop.application.ports import Clock, IdGenerator, UnitOfWork
from starshop.application.use_cases._operator import (
    OperatorCredit,
    OperatorResult,
    check_account,
    check_ceiling,
    exactly_once,
)
from starshop.application.use_cases._shared import balance_changed
from starshop.domain import InvalidAmount, Transaction, TxType


class AdjustBalance:
    """An operator corrects a balance by a signed amount, with a reason; journaled as a completed ``adjustment``.

    - A positive amount credits; a negative one debits only what is available (held funds are never touched).
    - The amount, either way, is at most the operator ceiling.
    - A repeated idempotency key returns the first adjustment (nothing moves again); with another request it is
      refused. The key is stored with the adjustment, in its commit.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, config: ShopConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._config = config

    async def __call__(self, data: OperatorCredit) -> OperatorResult:
        if data.amount.is_zero:
            msg = "an adjustment must not be zero"
            raise InvalidAmount(msg)
        if not data.reason.strip():
            msg = "an adjustment needs a reason"
            raise InvalidAmount(msg)
        check_ceiling(data.amount, self._config)
        return await exactly_once(self._uow, data, TxType.ADJUSTMENT, lambda: self._adjust(data))

    async def _adjust(self, data: OperatorCredit) -> Transaction:
        tx = Transaction.adjustment(
            id=self._ids.new_id(),
            user_id=data.user_id,
            amount=data.amount,
            actor=data.operator_id,
            reason=data.reason,
            at=self._clock.now(),
            idempotency_key=data.stored_key,
            fingerprint=data.idempotency_key and data.fingerprint(TxType.ADJUSTMENT),
        )
        async with self._uow as uow:
            await check_account(uow, data)
            # the balance row first, then the journal (the lock order); a key taken meanwhile fails the insert and
            # the rollback undoes the change
            if data.amount.is_positive:
                balance = await uow.balances.credit(data.user_id, data.amount)
            else:
                balance = await uow.balances.debit(data.user_id, -data.amount)
            await uow.transactions.add(tx)
            await balance_changed(uow, balance, tx, "adjustment")
            await uow.commit()
        return tx
