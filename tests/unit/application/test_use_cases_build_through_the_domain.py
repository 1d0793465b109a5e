"""Use cases build journal entries with the domain's named constructors and read them through typed accessors:
no transaction is assembled field by field and no optional field is narrowed with an ``assert`` (which ``python -O``
would strip, leaving a ``None`` to travel on)."""

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import starshop.application.use_cases as use_cases
from starshop.application.ports import DeliveryOrder
from starshop.domain import Currency, IllegalTransition, Money, PayWith, Transaction

USE_CASES = sorted(Path(use_cases.__file__).parent.glob("*.py"))
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _calls_transaction(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Transaction"


@pytest.mark.parametrize("module", USE_CASES, ids=lambda path: path.stem)
def test_a_use_case_neither_assembles_a_transaction_nor_narrows_with_assert(module):
    tree = ast.parse(module.read_text())
    asserts = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    assembled = [node.lineno for node in ast.walk(tree) if _calls_transaction(node)]
    assert (asserts, assembled) == ([], [])


def test_the_check_would_notice_an_assert_and_a_transaction_built_field_by_field():
    tree = ast.parse("assert tx.stars is not None\ntx = Transaction(id='t1')\n")
    found = [type(node).__name__ for node in ast.walk(tree) if isinstance(node, ast.Assert) or _calls_transaction(node)]
    assert found == ["Assert", "Call"]
    assert len(USE_CASES) > 10


def test_a_delivery_order_carries_what_the_purchase_buys_and_when_its_attempt_began():
    usd = Currency.of("USD")
    purchase = Transaction.purchase(
        id="p1",
        user_id=7,
        stars=100,
        recipient="bob_the_user",
        price=Money.of("1.65", usd),
        pay_with=PayWith.BALANCE,
        at=T0,
    )
    started = T0 + timedelta(minutes=1)
    order = DeliveryOrder.of(purchase, started_at=started)
    assert order == DeliveryOrder(purchase_id="p1", recipient="bob_the_user", stars=100, started_at=started)
    recharge = Transaction.recharge(id="r1", user_id=7, amount=Money.of("5", usd), at=T0, lifetime=timedelta(hours=1))
    with pytest.raises(IllegalTransition):
        DeliveryOrder.of(recharge, started_at=started)
