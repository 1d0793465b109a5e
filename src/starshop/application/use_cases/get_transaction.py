from __future__ import annotations

from starshop.application.errors import UnknownTransaction
from starshop.application.ports import UnitOfWork
from starshop.domain import Transaction


class GetTransaction:
    """One transaction by id, for operators; an unknown id is refused with ``UnknownTransaction``."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, tx_id: str) -> Transaction:
        async with self._uow as uow:
            tx = await uow.transactions.get(tx_id)
        if tx is None:
            msg = f"no transaction {tx_id}"
            raise UnknownTransaction(msg)
        return tx
