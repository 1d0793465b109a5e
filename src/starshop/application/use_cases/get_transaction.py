from __future__ import annotations

from starshop.application.errors import UnknownTransaction
from starshop.application.ports import UnitOfWork
from starshop.domain import Transaction


class GetTransaction:
    """One transaction by id; an unknown id is refused with ``UnknownTransaction``. Asked on behalf of a user
    (``owner``), another user's transaction is refused the same way, so its existence is not revealed."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, tx_id: str, *, owner: int | None = None) -> Transaction:
        async with self._uow as uow:
            tx = await uow.transactions.get(tx_id)
        if tx is None or (owner is not None and tx.user_id != owner):
            msg = f"no transaction {tx_id}"
            raise UnknownTransaction(msg)
        return tx
