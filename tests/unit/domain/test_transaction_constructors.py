"""Named constructors: each kind of journal entry is built in one place, whole, and refuses what it must."""

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from starshop.domain import (
    Currency,
    IllegalTransition,
    InvalidAmount,
    InvalidRecipient,
    InvalidStarAmount,
    InvoiceTerms,
    Money,
    PayWith,
    PurchaseDetails,
    Transaction,
    TxStatus,
    TxType,
)

USD = Currency.of("USD")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def usd(amount: str) -> Money:
    return Money.of(amount, USD)


def a_purchase(pay_with: PayWith = PayWith.BALANCE, **kw) -> Transaction:
    fields = {"id": "p1", "user_id": 7, "stars": 100, "recipient": "bob_the_user", "price": usd("1.65"), "at": T0}
    return Transaction.purchase(pay_with=pay_with, **(fields | kw))


def test_a_recharge_is_a_pending_top_up_whose_gateway_order_is_its_own_id():
    r = Transaction.recharge(
        id="r1", user_id=7, amount=usd("10"), at=T0, lifetime=HOUR, idempotency_key="k", fingerprint="recharge:10:USD"
    )
    assert (r.type, r.status, r.amount, r.invoice_amount) == (TxType.RECHARGE, TxStatus.PENDING, usd("10"), usd("10"))
    assert (r.order_id, r.created_at, r.updated_at, r.expires_at) == ("r1", T0, T0, T0 + HOUR)
    assert (r.idempotency_key, r.request_fingerprint, r.description) == ("k", "recharge:10:USD", "Top-up 10.00 USD")
    assert (r.purchase_id, r.invoice, r.flag) == (None, None, None)
    assert r.invoice_terms == InvoiceTerms(order_id="r1", amount=usd("10"), expires_at=T0 + HOUR)


@pytest.mark.parametrize("amount", ["0", "-1"])
def test_a_recharge_refuses_an_amount_that_is_not_positive(amount):
    with pytest.raises(InvalidAmount):
        Transaction.recharge(id="r1", user_id=7, amount=usd(amount), at=T0, lifetime=HOUR)


def test_a_purchase_is_pending_unfunded_and_says_what_it_buys():
    p = a_purchase(PayWith.INVOICE, idempotency_key="k", fingerprint="purchase:100:bob_the_user:invoice")
    assert (p.type, p.status, p.amount, p.pay_with) == (TxType.PURCHASE, TxStatus.PENDING, usd("1.65"), PayWith.INVOICE)
    assert (p.funded, p.holds_funds, p.created_at, p.updated_at) == (False, False, T0, T0)
    assert (p.idempotency_key, p.request_fingerprint) == ("k", "purchase:100:bob_the_user:invoice")
    assert p.description == "100 stars for @bob_the_user"
    assert p.purchase_details == PurchaseDetails(stars=100, recipient="bob_the_user")


def test_a_purchase_refuses_no_stars_no_recipient_and_no_price():
    with pytest.raises(InvalidStarAmount):
        a_purchase(stars=0)
    with pytest.raises(InvalidRecipient):
        a_purchase(recipient="")
    with pytest.raises(InvalidAmount):
        a_purchase(price=usd("0"))


def test_holding_the_price_funds_a_pending_purchase_once():
    later = T0 + HOUR
    held = a_purchase().price_held(later)
    assert (held.funded, held.holds_funds, held.updated_at, held.status) == (True, True, later, TxStatus.PENDING)
    with pytest.raises(IllegalTransition):
        held.price_held(later)
    with pytest.raises(IllegalTransition):
        a_purchase().moved_to(TxStatus.CANCELLED, later).price_held(later)
    with pytest.raises(IllegalTransition):
        Transaction.recharge(id="r1", user_id=7, amount=usd("10"), at=T0, lifetime=HOUR).price_held(later)


def test_the_invoice_of_a_purchase_asks_its_price_from_its_buyer_and_links_to_it():
    p = a_purchase(PayWith.INVOICE)
    r = Transaction.invoice_for(p, id="r9", at=T0, lifetime=HOUR)
    assert (r.type, r.status, r.user_id, r.purchase_id) == (TxType.RECHARGE, TxStatus.PENDING, 7, "p1")
    assert r.invoice_terms == InvoiceTerms(order_id="r9", amount=usd("1.65"), expires_at=T0 + HOUR)
    assert (r.amount, r.idempotency_key, r.request_fingerprint) == (usd("1.65"), None, None)
    assert r.description == "Payment for 100 stars for @bob_the_user"


def test_only_a_pending_unfunded_purchase_paid_by_invoice_gets_an_invoice():
    recharge = Transaction.recharge(id="r1", user_id=7, amount=usd("10"), at=T0, lifetime=HOUR)
    for not_payable in (
        a_purchase(PayWith.BALANCE),
        a_purchase(PayWith.INVOICE).price_held(T0),
        a_purchase(PayWith.INVOICE).moved_to(TxStatus.CANCELLED, T0),
        recharge,
    ):
        with pytest.raises(IllegalTransition):
            Transaction.invoice_for(not_payable, id="r9", at=T0, lifetime=HOUR)


def test_a_bonus_is_a_completed_credit_named_by_its_reason_or_bonus():
    b = Transaction.bonus(id="b1", user_id=7, amount=usd("3"), actor=42, at=T0, idempotency_key="operator/k")
    assert (b.type, b.status, b.amount, b.ledger_effect) == (TxType.BONUS, TxStatus.COMPLETED, usd("3"), usd("3"))
    assert (b.actor, b.description, b.idempotency_key, b.created_at) == (42, "Bonus", "operator/k", T0)
    assert Transaction.bonus(id="b2", user_id=7, amount=usd("3"), actor=42, at=T0, reason="welcome").description == (
        "welcome"
    )


@pytest.mark.parametrize("amount", ["0", "-3"])
def test_a_bonus_refuses_an_amount_that_is_not_positive(amount):
    with pytest.raises(InvalidAmount):
        Transaction.bonus(id="b1", user_id=7, amount=usd(amount), actor=42, at=T0)


def test_an_adjustment_is_a_completed_signed_correction_with_its_reason():
    a = Transaction.adjustment(
        id="a1", user_id=7, amount=usd("-2"), actor=42, reason="double credit", at=T0, fingerprint="adjustment:x"
    )
    assert (a.type, a.status, a.ledger_effect, a.actor) == (TxType.ADJUSTMENT, TxStatus.COMPLETED, usd("-2"), 42)
    assert (a.description, a.request_fingerprint, a.idempotency_key) == ("double credit", "adjustment:x", None)


@pytest.mark.parametrize(("amount", "reason"), [("0", "typo"), ("2", ""), ("-2", "   ")])
def test_an_adjustment_refuses_zero_and_a_missing_reason(amount, reason):
    with pytest.raises(InvalidAmount):
        Transaction.adjustment(id="a1", user_id=7, amount=usd(amount), actor=42, reason=reason, at=T0)


def test_only_a_purchase_says_what_it_buys_and_only_a_claimed_one_when_its_attempt_began():
    recharge = Transaction.recharge(id="r1", user_id=7, amount=usd("10"), at=T0, lifetime=HOUR)
    with pytest.raises(IllegalTransition):
        _ = recharge.purchase_details
    with pytest.raises(IllegalTransition):
        _ = a_purchase().attempt_started
    claimed = attrs.evolve(a_purchase().price_held(T0), attempt_started_at=T0 + HOUR).moved_to(
        TxStatus.PROCESSING, T0 + HOUR
    )
    assert claimed.attempt_started == T0 + HOUR


def test_only_a_recharge_has_invoice_terms():
    with pytest.raises(IllegalTransition):
        _ = a_purchase().invoice_terms
    bonus = Transaction.bonus(id="b1", user_id=7, amount=usd("3"), actor=42, at=T0)
    with pytest.raises(IllegalTransition):
        _ = bonus.invoice_terms
