from __future__ import annotations

import logging

from starshop.application.errors import UnknownAlert
from starshop.application.ports import Clock, OutboxUnitOfWork
from starshop.domain import Alert

log = logging.getLogger(__name__)


class AcknowledgeAlert:
    """An operator has seen an alert: it leaves the console's banner.

    - The first acknowledgement stands (who and when); acknowledging again changes nothing and answers the same.
    - An unknown alert is refused with ``UnknownAlert``.
    """

    def __init__(self, uow: OutboxUnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, alert_id: int, *, operator: int) -> Alert:
        async with self._uow as uow:
            alert = await uow.alerts.acknowledge(alert_id, by=operator, at=self._clock.now())
            await uow.commit()
        if alert is None:
            msg = f"no alert {alert_id}"
            raise UnknownAlert(msg)
        log.info("operator %s acknowledged alert %s (%s)", operator, alert_id, alert.kind)
        return alert
