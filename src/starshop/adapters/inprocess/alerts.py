"""Alerts and received webhooks in memory (the store's lock already makes one change at a time)."""

from __future__ import annotations

from datetime import datetime

import attrs

from starshop.application.ports import WEBHOOKS_KEPT, ReceivedWebhook
from starshop.domain import Alert, AlertKind


class InMemoryAlerts:
    def __init__(self, alerts: dict[int, Alert]) -> None:
        self._alerts = alerts

    async def add(self, alert: Alert) -> bool:
        if any(a.key == alert.key for a in self._alerts.values()):
            return False
        alert_id = max(self._alerts, default=0) + 1
        self._alerts[alert_id] = attrs.evolve(alert, id=alert_id)
        return True

    async def condition(self, kind: AlertKind, subject: str) -> tuple[Alert | None, int]:
        raised = [a for a in self._alerts.values() if a.kind is kind and a.subject == subject]
        return next((a for a in raised if a.cleared_at is None), None), len(raised)

    async def clear(self, kind: AlertKind, subject: str, *, at: datetime) -> None:
        for alert_id, a in list(self._alerts.items()):
            if a.kind is kind and a.subject == subject and a.cleared_at is None:
                self._alerts[alert_id] = attrs.evolve(a, cleared_at=at)

    async def recent(self, *, limit: int, unacknowledged: bool = False) -> list[Alert]:
        found = [a for a in self._alerts.values() if not unacknowledged or a.acknowledged_at is None]
        return sorted(found, key=lambda a: a.id, reverse=True)[:limit]

    async def acknowledge(self, alert_id: int, *, by: int, at: datetime) -> Alert | None:
        alert = self._alerts.get(alert_id)
        if alert is None:
            return None
        self._alerts[alert_id] = alert = alert.acknowledged(by, at)
        return alert


class InMemoryWebhooks:
    def __init__(self, webhooks: list[ReceivedWebhook]) -> None:
        self._webhooks = webhooks

    async def record(self, webhook: ReceivedWebhook, *, keep: int = WEBHOOKS_KEPT) -> bool:
        kept = [(i, w) for i, w in enumerate(self._webhooks) if w.tx_id == webhook.tx_id]
        for i, w in kept:
            if w.fingerprint == webhook.fingerprint:
                self._webhooks[i] = attrs.evolve(w, repeats=w.repeats + 1, last_received_at=webhook.received_at)
                return True
        if len(kept) >= keep:
            return False
        self._webhooks.append(webhook)
        return True

    async def of(self, tx_id: str, *, limit: int = WEBHOOKS_KEPT) -> list[ReceivedWebhook]:
        return [w for w in self._webhooks if w.tx_id == tx_id][:limit]
