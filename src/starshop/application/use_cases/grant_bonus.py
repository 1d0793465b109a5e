from __future__ import annotations

import attrs

from starshop.application.errors import UnknownUser
from starshop.application.ports import Clock, IdGenerator, UnitOfWork
from starshop.application.use_cases._shared import balance_changed
from starshop.domain import CurrencyMismatch, InvalidAmount, Money, Transaction, TxStatus, TxType
from starshop.domain.events import BonusGranted


@attrs.frozen(kw_only=True)
class OperatorCredit:
    operator_id: int
    user_id: int
    amount: Money
    reason: str


class GrantBonus:
    """An operator gives a user a positive amount; journaled as a completed ``bonus`` in the same commit."""

    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, data: OperatorCredit) -> Transaction:
        if not data.amount.is_positive:
            msg = f"a bonus must be positive, got {data.amount}"
            raise InvalidAmount(msg)
        now = self._clock.now()
        tx = Transaction(
            id=self._ids.new_id(),
            user_id=data.user_id,
            type=TxType.BONUS,
            status=TxStatus.COMPLETED,
            amount=data.amount,
            created_at=now,
            updated_at=now,
            actor=data.operator_id,
            description=data.reason or "Bonus",
        )
        async with self._uow as uow:
            current = await uow.balances.get(data.user_id)
            if current is None:
                msg = f"user {data.user_id} is not registered"
                raise UnknownUser(msg)
            if current.currency != data.amount.currency:
                msg = f"balances are in {current.currency}, not {data.amount.currency}"
                raise CurrencyMismatch(msg)
            balance = await uow.balances.credit(data.user_id, data.amount)  # the balance row first, then the journal
            await uow.transactions.add(tx)
            await uow.outbox.add(
                BonusGranted(user_id=data.user_id, tx_id=tx.id, amount=data.amount, balance=balance.amount)
            )
            await balance_changed(uow, balance, tx, "bonus")
            await uow.commit()
        return tx
