"""Alerts for operators and the verified webhooks of our recharges."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from starshop.adapters.sqla import queries as q
from starshop.adapters.sqla.execution import Execution
from starshop.application.ports import WEBHOOKS_KEPT, ReceivedWebhook
from starshop.domain import Alert, AlertKind, Currency, Money


def _alert(row: Mapping[str, Any]) -> Alert:
    return Alert(
        id=row["id"],
        key=row["key"],
        kind=AlertKind(row["kind"]),
        subject=row["subject"],
        text=row["text"],
        user_id=row["user_id"],
        raised_at=row["raised_at"],
        cleared_at=row["cleared_at"],
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
    )


class SqlaAlerts:
    """``add`` is one ``INSERT ... ON CONFLICT (key) DO NOTHING``: of many adding one key at once, one stores it."""

    def __init__(self, x: Execution) -> None:
        self._x = x

    async def add(self, alert: Alert) -> bool:
        row = {
            "key": alert.key,
            "kind": alert.kind.value,
            "subject": alert.subject,
            "text": alert.text,
            "user_id": alert.user_id,
            "raised_at": alert.raised_at,
        }
        return await self._x.run(q.ADD_ALERT, row) == 1

    async def condition(self, kind: AlertKind, subject: str) -> tuple[Alert | None, int]:
        rows = await self._x.rows(q.CONDITION_ALERTS, {"a_kind": kind.value, "a_subject": subject})
        open_id = next((r["id"] for r in rows if r["cleared_at"] is None), None)
        if open_id is None:
            return None, len(rows)
        return await self._get(open_id), len(rows)

    async def clear(self, kind: AlertKind, subject: str, *, at: datetime) -> None:
        await self._x.run(q.CLEAR_ALERTS, {"a_kind": kind.value, "a_subject": subject, "at": at})

    async def recent(self, *, limit: int, unacknowledged: bool = False) -> list[Alert]:
        return [_alert(r) for r in await self._x.rows(q.RECENT_ALERTS[unacknowledged], {"limit": limit})]

    async def acknowledge(self, alert_id: int, *, by: int, at: datetime) -> Alert | None:
        await self._x.run(q.ACKNOWLEDGE_ALERT, {"alert_id": alert_id, "by": by, "at": at})
        return await self._get(alert_id)

    async def _get(self, alert_id: int) -> Alert | None:
        row = await self._x.first(q.ALERT, {"alert_id": alert_id})
        return None if row is None else _alert(row)


class SqlaWebhookLog:
    """Called with the recharge's row locked, so counting and inserting for one recharge never interleave."""

    def __init__(self, x: Execution) -> None:
        self._x = x

    async def record(self, webhook: ReceivedWebhook, *, keep: int = WEBHOOKS_KEPT) -> bool:
        key = {"tx_id": webhook.tx_id, "fingerprint": webhook.fingerprint}
        repeat = {"w_tx_id": webhook.tx_id, "w_fingerprint": webhook.fingerprint, "at": webhook.received_at}
        if await self._x.run(q.WEBHOOK_REPEATED, repeat):
            return True
        kept = await self._x.first(q.WEBHOOKS_KEPT, {"tx_id": webhook.tx_id})
        if kept is not None and kept["kept"] >= keep:
            return False
        paid = webhook.paid_amount
        row = {
            **key,
            "invoice_uuid": webhook.invoice_uuid,
            "status": webhook.status,
            "amount": webhook.amount.amount,
            "currency": webhook.amount.currency.code,
            "paid_amount": None if paid is None else paid.amount,
            "outcome": webhook.outcome,
            "repeats": webhook.repeats,
            "received_at": webhook.received_at,
            "last_received_at": webhook.last_received_at,
        }
        await self._x.run(q.INSERT_WEBHOOK, row)
        return True

    async def of(self, tx_id: str, *, limit: int = WEBHOOKS_KEPT) -> list[ReceivedWebhook]:
        found = []
        for r in await self._x.rows(q.WEBHOOKS_OF, {"tx_id": tx_id, "limit": limit}):
            currency = Currency.of(r["currency"])
            found.append(
                ReceivedWebhook(
                    tx_id=r["tx_id"],
                    invoice_uuid=r["invoice_uuid"],
                    status=r["status"],
                    amount=Money.of(r["amount"], currency),
                    paid_amount=None if r["paid_amount"] is None else Money.of(r["paid_amount"], currency),
                    outcome=r["outcome"],
                    fingerprint=r["fingerprint"],
                    received_at=r["received_at"],
                    last_received_at=r["last_received_at"],
                    repeats=r["repeats"],
                )
            )
        return found
