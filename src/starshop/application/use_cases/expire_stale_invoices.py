from __future__ import annotations

import attrs

from starshop.application.config import ShopConfig
from starshop.application.errors import PaymentGatewayRefused, PaymentGatewayUnavailable
from starshop.application.ports import Clock, PaymentGateway, PaymentNotification, UnitOfWork
from starshop.application.use_cases._shared import cancel_waiting_purchase, invoice_closed, locked
from starshop.application.use_cases.confirm_payment import ConfirmPayment, PaymentOutcome
from starshop.domain import Transaction, TxStatus
from starshop.domain.events import OperatorAttention


@attrs.frozen(kw_only=True)
class InvoiceReconciliation:
    checked: int = 0
    credited: int = 0
    expired: int = 0
    unreachable: int = 0


class ExpireStaleInvoices:
    """Settle open recharges whose webhook may never come.

    - Recharges expiring soon or already expired are looked up at the gateway, each at most once per check
      interval; what the gateway reports is applied exactly as a webhook would be (so a paid one is credited once).
    - One still pending past its expiry plus a grace period is expired (a ``paid`` arriving later is still
      credited), and a purchase waiting for it is cancelled; the bot's message with its Pay button is edited. One
      whose payment the gateway saw (``processing``) cannot expire: it is flagged for an operator and asked about
      again.
    """

    def __init__(
        self, uow: UnitOfWork, gateway: PaymentGateway, clock: Clock, confirm: ConfirmPayment, config: ShopConfig
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._confirm = confirm
        self._config = config

    async def __call__(self) -> InvoiceReconciliation:
        now = self._clock.now()
        async with self._uow as uow:
            candidates = await uow.transactions.open_recharges(
                expiring_before=now + self._config.invoice_check_window,
                checked_before=now - self._config.invoice_check_interval,
                limit=self._config.batch_size,
            )
        checked = credited = expired = unreachable = 0
        for tx in candidates:
            note: PaymentNotification | None = None
            try:
                note = await self._gateway.fetch_payment(tx.invoice_terms.order_id)
            except PaymentGatewayUnavailable:
                unreachable += 1
            except PaymentGatewayRefused:
                note = None  # the gateway has no such invoice: it was never created
            checked += 1
            if note is not None and await self._confirm(note) in (
                PaymentOutcome.CREDITED,
                PaymentOutcome.CREDITED_PARTIALLY,
                PaymentOutcome.CREDITED_LATE,
            ):
                credited += 1
            expired += await self._settle(tx.id)
        return InvoiceReconciliation(checked=checked, credited=credited, expired=expired, unreachable=unreachable)

    async def _settle(self, tx_id: str) -> int:
        now = self._clock.now()
        async with self._uow as uow:
            tx: Transaction = await locked(uow, tx_id)
            if not tx.status.is_open:
                return 0
            if now < tx.invoice_terms.expires_at + self._config.invoice_expiry_grace:
                await uow.transactions.update(tx.evolve(checked_at=now))
                await uow.commit()
                return 0
            if tx.status is TxStatus.PROCESSING:
                # The gateway saw a payment it has not confirmed yet: keep asking, and tell an operator.
                reason = "payment seen but not confirmed by expiry"
                await uow.transactions.update(tx.evolve(checked_at=now).flagged(reason, now))
                if tx.flag is None or reason not in tx.flag:
                    await uow.outbox.add(OperatorAttention(user_id=tx.user_id, tx_id=tx.id, reason=reason))
                await uow.commit()
                return 0
            expired = tx.evolve(checked_at=now).moved_to(TxStatus.EXPIRED, now)
            await uow.transactions.update(expired)
            await cancel_waiting_purchase(uow, expired, now)
            await invoice_closed(uow, expired)
            await uow.commit()
        return 1
