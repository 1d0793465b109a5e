from __future__ import annotations

import attrs

from starshop.application.ports import UnitOfWork
from starshop.application.use_cases._shared import locked
from starshop.domain import TxType


@attrs.frozen(kw_only=True)
class InvoiceMessage:
    user_id: int
    tx_id: str  # the recharge, or a purchase paid by its own invoice
    message_id: int  # the bot's message carrying the invoice's Pay button


class RememberInvoiceMessage:
    """Keep which bot message carries a top-up's Pay button, so the button can be taken off when the invoice
    expires or is cancelled (``InvoiceClosed``). Only the owner's own recharge (or purchase invoice) is marked;
    anything else changes nothing."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, data: InvoiceMessage) -> bool:
        async with self._uow as uow:
            tx = await uow.transactions.get(data.tx_id)
            if tx is not None and tx.type is TxType.PURCHASE:
                tx = await uow.transactions.invoice_of(tx.id)
            if tx is None or tx.type is not TxType.RECHARGE or tx.user_id != data.user_id:
                return False
            fresh = await locked(uow, tx.id)
            await uow.transactions.update(fresh.evolve(chat_message_id=data.message_id))
            await uow.commit()
        return True
