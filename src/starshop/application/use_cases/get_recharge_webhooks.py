from __future__ import annotations

from starshop.application.errors import UnknownTransaction
from starshop.application.ports import ReceivedWebhook, UnitOfWork
from starshop.domain import Transaction, TxType


class GetRechargeWebhooks:
    """A recharge and the verified payment webhooks received for it, in the order they first arrived.

    - Anything but a recharge is refused with ``UnknownTransaction``, like an unknown id.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, tx_id: str) -> tuple[Transaction, list[ReceivedWebhook]]:
        async with self._uow as uow:
            tx = await uow.transactions.get(tx_id)
            if tx is None or tx.type is not TxType.RECHARGE:
                msg = f"no recharge {tx_id}"
                raise UnknownTransaction(msg)
            return tx, await uow.webhooks.of(tx_id)
