"""A credit in one step: an unlocked read of the recharge and its balance, then one conditional statement.

On Postgres the write is ``starshop_apply_credit`` (0011, 0012): it locks the balance row and then the journal
row (the one lock order), writes both and the outbox rows only if neither changed since the read (the balance still
holds what was read; the journal row's ``xmin``, which every write changes, is the one read), and otherwise changes
nothing. Since migration 0012 it also keeps the webhook in the recharge's history, so the statement is the unit of
work's whole write and runs without ``BEGIN`` (``standalone``). SQLite offers no snapshot, so the use case takes its
locked way there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starshop.adapters.events_codec import event_to_dict
from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution
from starshop.adapters.sqla.rows import balance_from_row, tx_from_row, tx_to_row
from starshop.application.ports import WEBHOOKS_KEPT, Clock, CreditSnapshot, ReceivedWebhook
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
        balance = balance_from_row(tx.user_id, money)
        return CreditSnapshot(tx=tx, balance=balance, version=row["tx_version"], has_order=bool(row["has_order"]))

    async def apply(
        self,
        seen: CreditSnapshot,
        tx: Transaction,
        balance: Balance,
        events: Sequence[Event],
        webhook: ReceivedWebhook | None = None,
    ) -> bool:
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
            **_webhook_params(webhook, tx.id),
        }
        row = await self._x.first(q.APPLY_CREDIT, params)
        return bool(row and row["applied"])


def _webhook_params(webhook: ReceivedWebhook | None, tx_id: str) -> dict[str, object]:
    """The history row the function keeps (``SqlaWebhookLog.record``'s), all null for no webhook."""
    if webhook is not None and webhook.tx_id != tx_id:
        msg = f"the webhook is for {webhook.tx_id}, not for the credited {tx_id}"
        raise ValueError(msg)
    if webhook is None:
        names = ("fingerprint", "invoice_uuid", "status", "amount", "currency", "paid_amount", "outcome", "received_at")
        return {f"w_{name}": None for name in names} | {"w_keep": WEBHOOKS_KEPT}
    paid = webhook.paid_amount
    return {
        "w_fingerprint": webhook.fingerprint,
        "w_invoice_uuid": webhook.invoice_uuid,
        "w_status": webhook.status,
        "w_amount": webhook.amount.amount,
        "w_currency": webhook.amount.currency.code,
        "w_paid_amount": None if paid is None else paid.amount,
        "w_outcome": webhook.outcome,
        "w_received_at": webhook.received_at,
        "w_keep": WEBHOOKS_KEPT,
    }
