from __future__ import annotations

import logging

import attrs

from starshop.application.ports import CircuitWatch, Clock, OutboxUnitOfWork, StarDelivery, UnitOfWork
from starshop.application.use_cases._shared import current_settings
from starshop.domain import Alert, AlertKind, ConditionStep, Defaults, condition_step, wallet_near_floor

log = logging.getLogger(__name__)
WALLET = "fragment"  # the provider whose wallet pays for the stars
QUARANTINED_LOOK = 100  # outbox messages set aside looked at per watch


@attrs.frozen(kw_only=True)
class WatchReport:
    raised: int = 0
    cleared: int = 0


class WatchOperations:
    """Raise the alerts no domain event carries; the sweeper runs it.

    - The provider wallet below the floor in force (the run-time setting, else ``STARSHOP_WALLET_FLOOR``) x
      (1 + margin): once per crossing; cleared once it is back above (or the floor is unset). A wallet that cannot be
      read changes nothing.
    - A circuit breaker of this process not closed: once per opening; cleared when it closes.
    - An outbox message set aside (quarantined): once each time it is set aside.
    - Each alert is stored with its ``AlertRaised`` event in one commit (the relay tells the operators, once); two
      watchers that see one crossing at once store it once (the crossing's number is in its key).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        outbox_uow: OutboxUnitOfWork,
        delivery: StarDelivery,
        circuits: CircuitWatch,
        clock: Clock,
        defaults: Defaults,
    ) -> None:
        self._uow = uow
        self._outbox_uow = outbox_uow
        self._delivery = delivery
        self._circuits = circuits
        self._clock = clock
        self._defaults = defaults

    async def __call__(self) -> WatchReport:
        conditions = [
            (AlertKind.CIRCUIT_OPEN, name, is_open, f"the {name} circuit breaker is open: calls to it are refused")
            for name, is_open in self._circuits.open_circuits().items()
        ]
        wallet = await self._wallet_condition()
        if wallet is not None:
            conditions.append(wallet)
        async with self._outbox_uow as outbox_uow:
            set_aside = await outbox_uow.outbox_reader.quarantined(limit=QUARANTINED_LOOK)
        now = self._clock.now()
        raised = cleared = 0
        async with self._uow as uow:
            for kind, subject, on, text in conditions:
                open_alert, count = await uow.alerts.condition(kind, subject)
                step = condition_step(on=on, open_alert=open_alert)
                if step is ConditionStep.RAISE:
                    raised += await self._raise(
                        uow, Alert.condition(kind, subject, crossing=count + 1, text=text, at=now)
                    )
                elif step is ConditionStep.CLEAR:
                    await uow.alerts.clear(kind, subject, at=now)
                    cleared += 1
            for m in set_aside:
                alert = Alert.quarantined(m.id, key=m.key, kind=m.kind, reason=m.reason, at=m.quarantined_at)
                raised += await self._raise(uow, alert)
            await uow.commit()
        return WatchReport(raised=raised, cleared=cleared)

    async def _wallet_condition(self) -> tuple[AlertKind, str, bool, str] | None:
        async with self._uow as uow:
            floor = (await current_settings(uow, self._defaults)).wallet_floor
        if floor is None:
            return AlertKind.WALLET_LOW, WALLET, False, ""
        try:
            wallet = await self._delivery.wallet_balance()
        except Exception:  # the provider is not answering: its breaker says so, the wallet waits for the next look
            log.warning("the provider wallet could not be read", exc_info=True)
            return None
        if wallet is None:
            return None
        text = f"the {WALLET} wallet holds {wallet} TON, near its floor of {floor} TON (sales pause below it)"
        return AlertKind.WALLET_LOW, WALLET, wallet_near_floor(wallet, floor), text

    @staticmethod
    async def _raise(uow: UnitOfWork, alert: Alert) -> int:
        if not await uow.alerts.add(alert):
            return 0
        await uow.outbox.add(alert.event)
        return 1
