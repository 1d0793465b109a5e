from datetime import datetime, timedelta

import pytest

from starshop.adapters.events_codec import event_from_dict, event_to_dict
from starshop.domain import (
    Currency,
    InvalidAmount,
    InvalidMoney,
    InvalidPremiumMonths,
    Money,
    PayWith,
    PremiumNotSold,
    PremiumPrices,
    Product,
    Transaction,
    TxType,
    parse_prices,
)
from starshop.domain.events import PurchaseDelivered

USD = Currency.of("USD")


def test_prices_parse_months_and_exact_decimals():
    prices = PremiumPrices.parse("3:12.99, 6:16.99,12:29.99", USD)
    assert prices.sold
    assert prices.offered == (3, 6, 12)
    assert prices.price(6) == Money.of("16.99", USD)


def test_blank_prices_mean_premium_is_not_sold():
    prices = PremiumPrices.parse("  ", USD)
    assert not prices.sold and prices.offered == ()
    with pytest.raises(PremiumNotSold):
        prices.price(3)


@pytest.mark.parametrize(
    "text",
    [
        "3:12.99,",
        "3:12.99,,6:1",
        "1:5",
        "4:5",
        "3:12.99,3:11",
        "3:-1",
        "3:+1",
        "3:1e2",
        "3:NaN",
        "3=12.99",
        "3:",
        ":12",
        "3:12.9.9",
        "03:1",
        "3:0\u0661",  # an Arabic-Indic digit
    ],
)
def test_prices_are_parsed_strictly(text):
    with pytest.raises((InvalidAmount, InvalidPremiumMonths)):
        parse_prices(text)


def test_a_price_must_be_positive_and_fit_the_currency():
    with pytest.raises(InvalidAmount):
        PremiumPrices.parse("3:0", USD)
    with pytest.raises(InvalidMoney, match="decimal places"):
        PremiumPrices.parse("3:1.001", USD)


@pytest.mark.parametrize("months", [0, 1, 2, 4, 5, 7, 24, True, "3", 3.0, None])
def test_only_3_6_or_12_months_are_sold(months):
    prices = PremiumPrices.parse("3:1,6:2,12:3", USD)
    with pytest.raises(InvalidPremiumMonths):
        prices.price(months)


def test_months_that_are_not_on_sale_are_refused_with_what_is():
    prices = PremiumPrices.parse("3:1,12:3", USD)
    with pytest.raises(InvalidPremiumMonths, match="on sale: 3, 12"):
        prices.price(6)


def _premium(**changes):
    values = {
        "id": "p1",
        "user_id": 1,
        "recipient": "bob_the_user",
        "price": Money.of("12.99", USD),
        "pay_with": PayWith.BALANCE,
        "at": datetime(2026, 1, 1),
        "months": 3,
    }
    return Transaction.purchase(**(values | changes))


def test_a_premium_purchase_names_its_product_and_months_and_buys_no_stars():
    tx = _premium()
    assert tx.type is TxType.PURCHASE
    assert (tx.product, tx.months, tx.stars) == (Product.PREMIUM, 3, None)
    item = tx.purchase_details
    assert (item.product, item.months, item.stars, item.label) == (
        Product.PREMIUM,
        3,
        None,
        "3 months of Telegram Premium",
    )
    assert tx.description == "3 months of Telegram Premium for @bob_the_user"


def test_a_star_purchase_stays_a_star_purchase():
    tx = _premium(months=None, stars=100)
    assert (tx.product, tx.months, tx.stars) == (Product.STARS, None, 100)
    assert tx.description == "100 stars for @bob_the_user"


@pytest.mark.parametrize("changes", [{"stars": 100}, {"months": None}, {"months": 5}, {"months": 0}])
def test_a_purchase_buys_stars_or_months_never_both_or_neither(changes):
    with pytest.raises((InvalidAmount, InvalidPremiumMonths)):
        _premium(**changes)


def test_a_premium_row_with_stars_is_refused_even_field_by_field():
    tx = _premium()
    with pytest.raises(InvalidAmount):
        tx.evolve(stars=50)
    with pytest.raises(InvalidAmount):
        tx.evolve(months=5)
    with pytest.raises(InvalidAmount):
        _premium(months=None, stars=100).evolve(months=3)


def test_the_invoice_of_a_premium_purchase_names_the_product():
    tx = _premium(pay_with=PayWith.INVOICE)
    invoice = Transaction.invoice_for(tx, id="r1", at=tx.created_at, lifetime=timedelta(days=1))
    assert invoice.description == "Payment for 3 months of Telegram Premium for @bob_the_user"


def test_purchase_events_carry_the_months_and_old_rows_without_them_still_decode():
    event = PurchaseDelivered(
        user_id=1, tx_id="p1", stars=None, months=6, recipient="bob_the_user", price=Money.of("1", USD)
    )
    assert event_from_dict(event_to_dict(event)) == event
    old = event_to_dict(PurchaseDelivered(user_id=1, tx_id="p2", stars=50, recipient="x", price=Money.of("1", USD)))
    del old["months"]
    assert event_from_dict(old).months is None
    with pytest.raises(ValueError, match="months"):
        event_from_dict(event_to_dict(event) | {"months": "6"})
