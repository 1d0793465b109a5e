"""Helpers shared by the drills: a scripted Fragment fake, the shop driven through its use cases, snapshot checks
of the money invariants."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import attrs
from dishka import AsyncContainer, Provider, Scope, provide
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from starshop.adapters.fragment import HttpxFragmentDelivery
from starshop.adapters.fragment.client import FragmentUnavailable
from starshop.adapters.resilience import CircuitBreaker
from starshop.application.ports import StarDelivery
from starshop.application.use_cases.audit_ledger import AuditLedger, AuditReport
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_transaction import GetTransaction
from starshop.application.use_cases.grant_bonus import OperatorCredit
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile
from starshop.domain import Currency, Money, Transaction
from starshop.testing.fakes import FakeFragment
from starshop.testing.fakes.fragment import BUY, _Fault

SEED = " ".join(["abandon"] * 23 + ["art"])
USD = Currency.of("USD")


def usd(amount: str | Decimal) -> Money:
    return Money.of(amount, USD)


def credit(user_id: int, amount: str) -> OperatorCredit:
    return OperatorCredit(operator_id=1, user_id=user_id, amount=usd(amount), reason="drill")


async def call(container: AsyncContainer, kind: type[Any], *args: Any) -> Any:
    """Run one use case in a request scope of its own, as the web app and the worker do."""
    async with container() as scope:
        return await (await scope.get(kind))(*args)


async def audit(container: AsyncContainer) -> AuditReport:
    async with container() as scope:
        return await (await scope.get(AuditLedger))()


async def transaction(container: AsyncContainer, tx_id: str) -> Transaction:
    tx: Transaction = await call(container, GetTransaction, tx_id)
    return tx


# --- Fragment: the fake, with the fault chosen by the recipient's name

FAULTS_BY_PREFIX: dict[str, tuple[_Fault, float]] = {
    "fivexxb": (_Fault.FAIL_BEFORE, 0.0),  # 5xx, nothing bought: unknown, never found, an operator decides
    "fivexxa": (_Fault.FAIL_AFTER, 0.0),  # 5xx after buying: unknown, then found by the lookup
    "timeout": (_Fault.SLOW, 1.2),  # bought, answered after the client gave up: unknown, then found
    "dropped": (_Fault.DROP, 0.0),  # bought, connection closed: unknown, then found
    "garbled": (_Fault.GARBLE, 0.0),  # bought, 200 that is not JSON: unknown, then found
    "refused": (_Fault.REFUSE, 0.0),  # 200 success false: refused, released
}


@attrs.define(kw_only=True)
class ScriptedFragment(FakeFragment):
    """The Fragment fake where the recipient's name prefix picks what a purchase call does (``FAULTS_BY_PREFIX``);
    ``slow_buys`` delays every purchase answer (the order is recorded at once), so a kill lands mid-call."""

    slow_buys: float = 0.0
    attempts: Counter[str] = attrs.field(factory=Counter)  # purchase calls per recipient

    def orders_by_recipient(self) -> Counter[str]:
        return Counter(order.username.casefold() for order in self.orders)

    async def _respond(self, method: str, path: str, raw: bytes) -> bytes | None:
        if path == BUY:
            try:
                name = str(json.loads(raw).get("username", "")).lstrip("@").casefold()
            except (ValueError, AttributeError):
                name = ""
            self.attempts[name] += 1
            fault = FAULTS_BY_PREFIX.get(name[:7])
            if fault is not None:
                self._faults[path].appendleft((fault[0], fault[1], "scripted by the drill"))
            elif self.slow_buys:
                self._faults[path].appendleft((_Fault.SLOW, self.slow_buys, ""))
        return await super()._respond(method, path, raw)


class QuickBreakerDelivery(Provider):
    """The production Fragment adapter with a circuit breaker that half-opens after ``reset_after`` seconds instead
    of 30, so a drill under a burst of failures sees the circuit open and close again within its time budget."""

    scope = Scope.APP

    def __init__(self, url: str, timeout: float, reset_after: float = 0.5) -> None:
        super().__init__()
        self.url, self.timeout, self.reset_after = url, timeout, reset_after

    @provide(override=True, provides=StarDelivery)
    async def delivery(self) -> AsyncIterator[HttpxFragmentDelivery]:
        breaker = CircuitBreaker(
            name="fragment", reset_after=self.reset_after, counts=lambda exc: isinstance(exc, FragmentUnavailable)
        )
        delivery = HttpxFragmentDelivery(seed=SEED, base_url=self.url, read_timeout=self.timeout, breaker=breaker)
        yield delivery
        await delivery.aclose()


# --- invariants 1-2 on one consistent snapshot

BALANCES_SQL = text("SELECT user_id, amount, held FROM balances")
JOURNAL_SQL = text("SELECT user_id, type, status, amount, funded FROM transactions")


async def snapshot_problems(conn: AsyncConnection) -> tuple[list[str], int, int]:
    """Read balances and the journal in two statements of one REPEATABLE READ transaction (one snapshot) and check
    invariants 1 and 2 for every user in Python. Returns the problems, the users and the journal rows seen."""
    async with conn.begin():
        balances = (await conn.execute(BALANCES_SQL)).all()
        journal = (await conn.execute(JOURNAL_SQL)).all()
    amounts: dict[int, Decimal] = {}
    held: dict[int, Decimal] = {}
    for user_id, kind, status, amount, funded in journal:
        if status == "completed":
            amounts[user_id] = amounts.get(user_id, Decimal(0)) + (-amount if kind == "purchase" else amount)
        if kind == "purchase" and funded and status in ("pending", "processing"):
            held[user_id] = held.get(user_id, Decimal(0)) + amount
    problems = []
    for user_id, amount, hold in balances:
        if amount < 0 or hold < 0 or hold > amount:
            problems.append(f"user {user_id}: invariant 1 broken: amount {amount}, held {hold}")
        if amount != amounts.get(user_id, Decimal(0)):
            problems.append(f"user {user_id}: amount {amount} but the journal says {amounts.get(user_id, 0)}")
        if hold != held.get(user_id, Decimal(0)):
            problems.append(f"user {user_id}: held {hold} but open purchases hold {held.get(user_id, 0)}")
    return problems, len(balances), len(journal)


# --- Heleket: recharges opened through the real gateway adapter, webhooks posted to the real endpoint


@attrs.define
class Recharge:
    order_id: str
    user_id: int
    amount: Decimal


async def open_recharges(
    container: AsyncContainer, plan: list[tuple[int, str]], *, parallel: int = 8
) -> list[Recharge]:
    """One recharge per ``(user_id, amount)``, each with its invoice at the Heleket fake."""
    gate = asyncio.Semaphore(parallel)

    async def one(user_id: int, amount: str) -> Recharge:
        async with gate:
            result = await call(container, CreateRecharge, CreateRechargeInput(user_id=user_id, amount=usd(amount)))
        return Recharge(order_id=result.recharge.order_id, user_id=user_id, amount=Decimal(amount))

    return list(await asyncio.gather(*(one(user, amount) for user, amount in plan)))


async def register(container: AsyncContainer, *user_ids: int) -> None:
    for user_id in user_ids:
        await call(container, RegisterUser, TelegramProfile(user_id=user_id, username=f"user{user_id}"))


async def balances(container: AsyncContainer, *user_ids: int) -> dict[int, tuple[Decimal, Decimal]]:
    found = {}
    for user_id in user_ids:
        balance = await call(container, GetBalance, user_id)
        found[user_id] = (balance.amount.amount, balance.held.amount)
    return found
