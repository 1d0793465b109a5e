from __future__ import annotations

from starshop.application.ports import ReceivedWebhook, TransactionFilter, TransactionReader, UnitOfWork
from starshop.domain import Transaction, TxType

MAX_FLAGGED = 50


class ListFlaggedRecharges:
    """Recharges flagged for an operator (paid late, underpaid, a mismatch, refunded, locked), newest first, each
    with the verified webhooks received for it."""

    def __init__(self, reader: TransactionReader, uow: UnitOfWork) -> None:
        self._reader = reader
        self._uow = uow

    async def __call__(self, *, limit: int = MAX_FLAGGED) -> list[tuple[Transaction, list[ReceivedWebhook]]]:
        flt = TransactionFilter(type=TxType.RECHARGE, flagged=True)
        page = await self._reader.search(flt, limit=min(limit, MAX_FLAGGED), offset=0)
        async with self._uow as uow:
            return [(tx, await uow.webhooks.of(tx.id)) for tx in page.items]
