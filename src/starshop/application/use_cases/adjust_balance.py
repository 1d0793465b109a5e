from __future__ import annotations

from starshop.application.errors import UnknownUser
from starshop.application.ports import Clock, IdGenerator, UnitOfWork
from starshop.application.use_cases._shared import balance_changed
from starshop.application.use_cases.grant_bonus import OperatorCredit
from starshop.domain import CurrencyMismatch, InvalidAmount, Transaction, TxStatus, TxType


class AdjustBalance:
    """An operator corrects a balance by a signed amount, with a reason; journaled as a completed ``adjustment``.

    - A positive amount credits; a negative one debits only what is available (held funds are never touched).
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, data: OperatorCredit) -> Transaction:
        if data.amount.is_zero:
            msg = "an adjustment must not be zero"
            raise InvalidAmount(msg)
        if not data.reason.strip():
            msg = "an adjustment needs a reason"
            raise InvalidAmount(msg)
        now = self._clock.now()
        tx = Transaction(
            id=self._ids.new_id(),
            user_id=data.user_id,
            type=TxType.ADJUSTMENT,
            status=TxStatus.COMPLETED,
            amount=data.amount,
            created_at=now,
            updated_at=now,
            actor=data.operator_id,
            description=data.reason,
        )
        async with self._uow as uow:
            current = await uow.balances.get(data.user_id)
            if current is None:
                msg = f"user {data.user_id} is not registered"
                raise UnknownUser(msg)
            if current.currency != data.amount.currency:
                msg = f"balances are in {current.currency}, not {data.amount.currency}"
                raise CurrencyMismatch(msg)
            if data.amount.is_positive:
                balance = await uow.balances.credit(data.user_id, data.amount)
            else:
                balance = await uow.balances.debit(data.user_id, -data.amount)
            await uow.transactions.add(tx)
            await balance_changed(uow, balance, tx, "adjustment")
            await uow.commit()
        return tx
