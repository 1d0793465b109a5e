"""Balances: every change is one conditional ``UPDATE``; when it matches nothing, the domain explains why."""

from __future__ import annotations

from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution
from starshop.adapters.sqla.rows import balance_from_row
from starshop.application.errors import UnknownUser
from starshop.application.ports import Clock
from starshop.domain import Balance, Currency, Money

_RETRIES = 5


class SqlaBalanceRepository:
    def __init__(self, x: Execution, clock: Clock) -> None:
        self._x = x
        self._clock = clock

    async def get(self, user_id: int) -> Balance | None:
        row = await self._x.first(q.BALANCE, {"user_id": user_id})
        return balance_from_row(user_id, row) if row else None

    async def ensure(self, user_id: int, currency: Currency) -> Balance:
        now = self._clock.now()
        values = {"user_id": user_id, "amount": 0, "held": 0, "currency": currency.code}
        await self._x.run(q.ENSURE_BALANCE[self._x.dialect_name], {**values, "created_at": now, "updated_at": now})
        found = await self.get(user_id)
        assert found is not None
        return found

    async def credit(self, user_id: int, amount: Money) -> Balance:
        return await self._change(user_id, "credit", amount)

    async def debit(self, user_id: int, amount: Money) -> Balance:
        return await self._change(user_id, "debit", amount)

    async def hold(self, user_id: int, amount: Money) -> Balance:
        return await self._change(user_id, "hold", amount)

    async def capture(self, user_id: int, amount: Money) -> Balance:
        return await self._change(user_id, "capture", amount)

    async def release(self, user_id: int, amount: Money) -> Balance:
        return await self._change(user_id, "release", amount)

    async def _change(self, user_id: int, op: str, amount: Money) -> Balance:
        """One conditional UPDATE; when it matches nothing, the domain explains why on a fresh read."""
        for _ in range(_RETRIES):
            if amount.is_positive:
                params = {
                    "p": amount.amount,
                    "b_user": user_id,
                    "b_currency": amount.currency.code,
                    "b_now": self._clock.now(),
                }
                row = await self._x.first(q.BALANCE_CHANGES[op], params)
                if row is not None:
                    return balance_from_row(user_id, row)
            current = await self.get(user_id)
            if current is None:
                msg = f"user {user_id} has no balance"
                raise UnknownUser(msg)
            getattr(current, op)(amount)  # raises the domain's own error for what the UPDATE refused
            if not amount.is_positive:  # pragma: no cover - the domain refuses these
                break
        msg = f"balance of user {user_id} kept changing under {op}"
        raise RuntimeError(msg)
