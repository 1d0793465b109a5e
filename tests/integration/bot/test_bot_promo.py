# ruff: noqa: RUF001  (Russian texts and emoji are the point of these tests)
"""Promo codes in the bot: ``/promo CODE``, the menu button, every refusal in plain words, and a redelivered
update that redeems once."""

import pytest

from starshop.application.use_cases.create_promo_code import CreatePromoCode, NewPromoCode
from starshop.domain import PromoKind
from starshop.testing import default_config

from .conftest import BotHarness


async def code(harness: BotHarness, name: str, **terms: object) -> None:
    async with harness.container() as scope:
        create = await scope.get(CreatePromoCode)
        amount = default_config().currency_money(str(terms.pop("amount", "2.00")))
        await create(NewPromoCode(operator_id=1, code=name, kind=PromoKind.BONUS, amount=amount, **terms))  # type: ignore[arg-type]


async def test_promo_with_a_code_credits_it_and_says_the_balance(harness: BotHarness) -> None:
    await harness.send("/start")
    await code(harness, "HELLO")
    reply = await harness.said("/promo hello")
    assert reply.text == "🎁 Promo code HELLO: 2.00 USD credited.\n💰 Balance: 2.00 USD"
    again = await harness.said("/promo HELLO")
    assert again.text == "You have already used this promo code."


async def test_the_menu_button_asks_for_the_code_in_russian(harness: BotHarness) -> None:
    await harness.send("/start", lang="ru")
    await code(harness, "PRIVET", amount="1.50")
    asked = await harness.pressed("m:promo", lang="ru")
    assert asked.text == "Отправьте промокод."
    reply = await harness.said("privet", lang="ru")
    assert reply.text == "🎁 Промокод PRIVET: начислено 1.50 USD.\n💰 Баланс: 1.50 USD"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("NOPE", "There is no such promo code."),
        ("no pe", "That is not a promo code: 3–32 Latin letters, digits, _ or -."),
        ("ПРОМО", "That is not a promo code: 3–32 Latin letters, digits, _ or -."),
        ("X" * 200, "That is not a promo code: 3–32 Latin letters, digits, _ or -."),
        ("FULL", "This promo code has been used up."),
    ],
)
async def test_a_code_that_cannot_be_redeemed_is_explained(harness: BotHarness, typed: str, expected: str) -> None:
    await harness.send("/start")
    await code(harness, "FULL", max_uses=1, once_per_user=False)
    await harness.send("/promo FULL")
    reply = await harness.said(f"/promo {typed}")
    assert reply.text == expected
