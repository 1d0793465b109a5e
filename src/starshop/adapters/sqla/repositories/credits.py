"""A credit in one step: an unlocked read of the recharge and its balance, then one conditional statement.

On Postgres the write is ``starshop_apply_credit`` (migration 0011): it locks the balance row and then the journal
row (the one lock order), writes both and the outbox rows only if neither changed since the read (the balance still
holds what was read; the journal row's ``xmin``, which every write changes, is the one read), and otherwise changes
nothing. SQLite offers no snapshot, so the use case takes its locked way there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starshop.adapters.events_codec import event_to_dict
from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution
from starshop.adapters.sqla.rows import balance_from_row, tx_from_row, tx_to_row
from starshop.application.ports import Clock, CreditSnapshot
from starshop.domain import Balance, Transaction
from starshop.domain.events import Event


class SqlaPaymentCredits:
    def __init__(self, x: Execution, clock: Clock) -> None:
        self._x = x
        self._clock = clock

    async def snapshot(self, order_id: str) -> CreditSnapshot | None:
        if self._x.dialect_name != "postgresql":
            return None
        row = await self._x.first(q.CREDIT_SNAPSHOT, {"order_id": order_id})
        if row is None:
            return None
        money = {"amount": row["b_amount"], "held": row["b_held"], "currency": row["b_currency"]}
        tx = tx_from_row(row)
        return CreditSnapshot(tx=tx, balance=balance_from_row(tx.user_id, money), version=row["tx_version"])

    async def apply(self, seen: CreditSnapshot, tx: Transaction, balance: Balance, events: Sequence[Event]) -> bool:
        before, after = tx_to_row(seen.tx), tx_to_row(tx)
        changed = {name for name, value in after.items() if before[name] != value}
        same_currency = balance.currency == seen.balance.currency == tx.amount.currency
        same_owner = tx.id == seen.tx.id and balance.user_id == tx.user_id
        if not changed <= q.CREDIT_COLUMNS or not same_owner or not same_currency or balance.held != seen.balance.held:
            return False  # not a credit this statement writes: the caller takes the locked way
        params = {
            "tx_id": tx.id,
            "tx_version": seen.version,
            "status": after["status"],
            "gateway_status": after["gateway_status"],
            "amount": after["amount"],
            "updated_at": after["updated_at"],
            "user_id": balance.user_id,
            "currency": balance.currency.code,
            "amount_before": seen.balance.amount.amount,
            "held_before": seen.balance.held.amount,
            "amount_after": balance.amount.amount,
            "now": self._clock.now(),
            "keys": [event.key for event in events],
            "kinds": [event.kind for event in events],
            "user_ids": [event.user_id for event in events],
            "payloads": [json.dumps(event_to_dict(event)) for event in events],
        }
        row = await self._x.first(q.APPLY_CREDIT, params)
        return bool(row and row["applied"])
