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
from starshop.domain.events import BonusGranted

__all__ = ["GrantBonus", "OperatorCredit", "OperatorResult"]


class GrantBonus:
    """An operator gives a user a positive amount; journaled as a completed ``bonus`` in the same commit.

    - The amount is at most the operator ceiling.
    - A repeated idempotency key returns the first bonus (nothing is credited again); with another request
      (amount, reason, operator, or an adjustment) it is refused. The key is stored with the bonus, in its commit.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, config: ShopConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._config = config

    async def __call__(self, data: OperatorCredit) -> OperatorResult:
        if not data.amount.is_positive:
            msg = f"a bonus must be positive, got {data.amount}"
            raise InvalidAmount(msg)
        check_ceiling(data.amount, self._config)
        return await exactly_once(self._uow, data, TxType.BONUS, lambda: self._grant(data))

    async def _grant(self, data: OperatorCredit) -> Transaction:
        tx = Transaction.bonus(
            id=self._ids.new_id(),
            user_id=data.user_id,
            amount=data.amount,
            actor=data.operator_id,
            at=self._clock.now(),
            reason=data.reason,
            idempotency_key=data.stored_key,
            fingerprint=data.idempotency_key and data.fingerprint(TxType.BONUS),
        )
        async with self._uow as uow:
            await check_account(uow, data)
            balance = await uow.balances.credit(data.user_id, data.amount)  # the balance row first, then the journal
            await uow.transactions.add(tx)
            await uow.outbox.add(
                BonusGranted(user_id=data.user_id, tx_id=tx.id, amount=data.amount, balance=balance.amount)
            )
            await balance_changed(uow, balance, tx, "bonus")
            await uow.commit()
        return tx
