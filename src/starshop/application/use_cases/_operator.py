"""What operator money movements (a bonus, an adjustment) share: their input, their result, the ceiling and
exactly-once by idempotency key."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

import attrs

from starshop.application.config import ShopConfig
from starshop.application.errors import DuplicateTransaction, OperatorLimitExceeded, UnknownUser
from starshop.application.ports import UnitOfWork
from starshop.application.use_cases._shared import same_request
from starshop.domain import CurrencyMismatch, Money, Transaction, TxType

# Operator keys live apart from the keys users send for their own requests (which never contain "/"), so
# neither can take or block the other's.
KEY_NAMESPACE = "operator/"


@attrs.frozen(kw_only=True)
class OperatorCredit:
    operator_id: int
    user_id: int
    amount: Money
    reason: str
    idempotency_key: str | None = None

    @property
    def stored_key(self) -> str | None:
        return None if self.idempotency_key is None else KEY_NAMESPACE + self.idempotency_key

    def fingerprint(self, kind: TxType) -> str:
        reason = hashlib.sha256(self.reason.encode()).hexdigest()[:32]
        return f"{kind.value}:{self.operator_id}:{self.amount.amount}:{self.amount.currency}:{reason}"


@attrs.frozen(kw_only=True)
class OperatorResult:
    transaction: Transaction
    replayed: bool = False


def check_ceiling(amount: Money, config: ShopConfig) -> None:
    ceiling = config.operator_ceiling
    if amount.currency == ceiling.currency and max(amount, -amount) > ceiling:
        msg = f"an operator amount is at most {ceiling}, got {amount}"
        raise OperatorLimitExceeded(msg)


async def earlier(uow: UnitOfWork, data: OperatorCredit, kind: TxType) -> Transaction | None:
    """The transaction this request's key already made, if any; the key made for another request is refused."""
    key = data.stored_key
    if key is None:
        return None
    async with uow:
        tx = await uow.transactions.by_idempotency_key(data.user_id, key)
    return None if tx is None else same_request(tx, data.fingerprint(kind))


async def exactly_once(
    uow: UnitOfWork, data: OperatorCredit, kind: TxType, move: Callable[[], Awaitable[Transaction]]
) -> OperatorResult:
    """``move`` once per idempotency key: the transaction the key already made is the answer, also when the same key
    commits meanwhile (``move`` then fails on the key's unique index and its rollback undoes it)."""
    existing = await earlier(uow, data, kind)
    if existing is not None:
        return OperatorResult(transaction=existing, replayed=True)
    try:
        return OperatorResult(transaction=await move())
    except DuplicateTransaction:
        existing = await earlier(uow, data, kind)
        if existing is None:
            raise
        return OperatorResult(transaction=existing, replayed=True)


async def check_account(uow: UnitOfWork, data: OperatorCredit) -> None:
    """The user is registered and their balance is in the amount's currency (inside the caller's unit of work)."""
    current = await uow.balances.get(data.user_id)
    if current is None:
        msg = f"user {data.user_id} is not registered"
        raise UnknownUser(msg)
    if current.currency != data.amount.currency:
        msg = f"balances are in {current.currency}, not {data.amount.currency}"
        raise CurrencyMismatch(msg)
