import pytest

from starshop.application.errors import UnknownUser
from starshop.application.use_cases.grant_bonus import OperatorCredit
from starshop.domain import Currency, CurrencyMismatch, InsufficientFunds, InvalidAmount, Money, TxType
from starshop.domain.events import BonusGranted

from .conftest import ALICE, fund

OPERATOR = 1


def credit(shop, amount, reason="goodwill", user=ALICE):
    return OperatorCredit(operator_id=OPERATOR, user_id=user, amount=shop.money(amount), reason=reason)


async def test_a_bonus_is_journaled_and_credited_in_one_commit(shop, alice):
    commits = shop.store.commits
    tx = (await shop.grant_bonus(credit(shop, "3"))).transaction
    assert shop.store.commits == commits + 1
    assert tx.type is TxType.BONUS
    assert tx.actor == OPERATOR
    assert (await shop.get_balance(ALICE)).amount == shop.money("3")
    await shop.relay_outbox()
    assert any(isinstance(e, BonusGranted) for e in shop.notifier.sent)


@pytest.mark.parametrize("amount", ["0", "-1"])
async def test_a_bonus_must_be_positive(shop, alice, amount):
    with pytest.raises(InvalidAmount):
        await shop.grant_bonus(credit(shop, amount))


async def test_operator_actions_on_unknown_users_or_currencies_are_refused(shop, alice):
    with pytest.raises(UnknownUser):
        await shop.grant_bonus(credit(shop, "1", user=404))
    with pytest.raises(UnknownUser):
        await shop.adjust_balance(credit(shop, "1", user=404))
    ton = OperatorCredit(operator_id=OPERATOR, user_id=ALICE, amount=Money.of("1", Currency.of("TON")), reason="x")
    with pytest.raises(CurrencyMismatch):
        await shop.grant_bonus(ton)
    assert shop.store.tables.transactions == {}


async def test_adjustments_credit_and_debit_only_available_money(shop, alice):
    await fund(shop, alice, "10")
    await shop.adjust_balance(credit(shop, "2.50"))
    await shop.adjust_balance(credit(shop, "-4"))
    assert (await shop.get_balance(ALICE)).amount == shop.money("8.50")
    with pytest.raises(InsufficientFunds):
        await shop.adjust_balance(credit(shop, "-9"))
    assert (await shop.audit_ledger()).ok


@pytest.mark.parametrize(("amount", "reason"), [("0", "x"), ("1", "  ")])
async def test_an_adjustment_needs_an_amount_and_a_reason(shop, alice, amount, reason):
    with pytest.raises(InvalidAmount):
        await shop.adjust_balance(credit(shop, amount, reason))


async def test_the_audit_reports_a_balance_that_disagrees_with_its_journal(shop, alice):
    await fund(shop, alice, "10")
    assert (await shop.audit_ledger()).ok
    balances = shop.store.tables.balances
    balances[ALICE] = balances[ALICE].credit(shop.money("1"))  # money from nowhere
    report = await shop.audit_ledger()
    assert not report.ok
    [violation] = report.violations
    assert violation.user_id == ALICE
    assert "journal says 10.00" in violation.problems[0]


async def test_an_uncommitted_unit_of_work_leaves_no_trace(shop, alice):
    from starshop.adapters.inprocess import InMemoryUnitOfWork

    uow = InMemoryUnitOfWork(shop.store)
    async with uow:
        await uow.balances.credit(ALICE, shop.money("5"))
    with pytest.raises(RuntimeError):
        async with uow:
            await uow.balances.credit(ALICE, shop.money("5"))
            raise RuntimeError
    assert (await shop.get_balance(ALICE)).amount == shop.money("0")


async def test_the_relay_retries_what_it_could_not_hand_on_after_the_lease(shop, alice):
    from datetime import timedelta

    await shop.grant_bonus(credit(shop, "3"))
    shop.notifier.fail_next = 1
    first = await shop.relay_outbox()
    assert first.failed >= 1
    assert (await shop.relay_outbox()).claimed == 0  # still leased
    shop.clock.advance(timedelta(minutes=2))
    await shop.relay_outbox()
    assert [type(e) for e in shop.notifier.sent] == [BonusGranted]
    assert shop.store.tables.outbox == {}
