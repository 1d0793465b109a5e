"""Operator money movements are exactly-once per idempotency key and bounded by the operator ceiling."""

from decimal import Decimal

import pytest

from starshop.application.errors import IdempotencyConflict, OperatorLimitExceeded
from starshop.application.use_cases.create_recharge import CreateRechargeInput
from starshop.application.use_cases.grant_bonus import OperatorCredit
from starshop.domain import TxType
from starshop.testing import build_in_memory_shop, default_config

from .conftest import ALICE, fund

OPERATOR = 7


def credit(shop, amount, *, key=None, reason="goodwill", operator=OPERATOR):
    return OperatorCredit(
        operator_id=operator, user_id=ALICE, amount=shop.money(amount), reason=reason, idempotency_key=key
    )


async def test_a_bonus_repeated_with_its_key_replays_the_first_and_credits_once(shop, alice):
    first = await shop.grant_bonus(credit(shop, "5", key="k-1"))
    again = await shop.grant_bonus(credit(shop, "5", key="k-1"))
    assert (first.replayed, again.replayed) == (False, True)
    assert again.transaction == first.transaction
    assert (await shop.get_balance(ALICE)).amount == shop.money("5")
    assert [t.type for t in await shop.transactions()] == [TxType.BONUS]


async def test_an_adjustment_repeated_with_its_key_replays_the_first_and_debits_once(shop, alice):
    await fund(shop, alice, "10")
    first = await shop.adjust_balance(credit(shop, "-3", key="fix-1", reason="typo"))
    again = await shop.adjust_balance(credit(shop, "-3", key="fix-1", reason="typo"))
    assert again.replayed and again.transaction.id == first.transaction.id
    assert (await shop.get_balance(ALICE)).amount == shop.money("7")
    assert (await shop.audit_ledger()).ok


@pytest.mark.parametrize(
    "other",
    [
        {"amount": "6"},
        {"reason": "another reason"},
        {"operator": OPERATOR + 1},
    ],
    ids=["amount", "reason", "operator"],
)
async def test_a_key_reused_for_another_bonus_is_refused_and_nothing_moves(shop, alice, other):
    await shop.grant_bonus(credit(shop, "5", key="k-1"))
    changed = {"amount": "5", "reason": "goodwill", "operator": OPERATOR} | other
    with pytest.raises(IdempotencyConflict):
        await shop.grant_bonus(
            credit(shop, changed["amount"], key="k-1", reason=changed["reason"], operator=changed["operator"])
        )
    assert (await shop.get_balance(ALICE)).amount == shop.money("5")


async def test_a_bonus_key_reused_for_an_adjustment_is_refused(shop, alice):
    await shop.grant_bonus(credit(shop, "5", key="k-1"))
    with pytest.raises(IdempotencyConflict):
        await shop.adjust_balance(credit(shop, "5", key="k-1"))
    assert len(await shop.transactions()) == 1


async def test_an_operator_key_never_clashes_with_a_users_own_key(shop, alice):
    recharge = await shop.create_recharge(
        CreateRechargeInput(user_id=ALICE, amount=shop.money("5"), idempotency_key="k")
    )
    bonus = await shop.grant_bonus(credit(shop, "2", key="k"))
    assert not bonus.replayed
    assert bonus.transaction.id != recharge.recharge.id
    assert (await shop.get_balance(ALICE)).amount == shop.money("2")


async def test_without_a_key_each_bonus_is_its_own(shop, alice):
    await shop.grant_bonus(credit(shop, "1"))
    await shop.grant_bonus(credit(shop, "1"))
    assert (await shop.get_balance(ALICE)).amount == shop.money("2")


@pytest.mark.parametrize("amount", ["1000.01", "5000"])
async def test_a_bonus_above_the_operator_ceiling_is_refused_and_nothing_moves(shop, alice, amount):
    with pytest.raises(OperatorLimitExceeded):
        await shop.grant_bonus(credit(shop, amount, key="big"))
    assert await shop.transactions() == []


@pytest.mark.parametrize("amount", ["1000.01", "-1000.01"])
async def test_an_adjustment_above_the_ceiling_either_way_is_refused_and_nothing_moves(shop, alice, amount):
    await shop.grant_bonus(credit(shop, "1000"))
    await shop.grant_bonus(credit(shop, "1000"))
    with pytest.raises(OperatorLimitExceeded):
        await shop.adjust_balance(credit(shop, amount, reason="x"))
    assert (await shop.get_balance(ALICE)).amount == shop.money("2000")


async def test_the_ceiling_itself_is_allowed_and_it_follows_the_configuration(alice):
    shop = build_in_memory_shop(config=default_config(operator_max_amount=Decimal("50")))
    from starshop.application.use_cases.register_user import TelegramProfile

    await shop.register_user(TelegramProfile(user_id=ALICE, username="alice", language_code="en"))
    await shop.grant_bonus(credit(shop, "50"))
    with pytest.raises(OperatorLimitExceeded):
        await shop.adjust_balance(credit(shop, "-50.01", reason="x"))
    assert (await shop.get_balance(ALICE)).amount == shop.money("50")


def test_the_default_ceiling_is_1000_in_the_shop_currency():
    config = default_config()
    assert config.operator_ceiling == config.currency_money("1000")
