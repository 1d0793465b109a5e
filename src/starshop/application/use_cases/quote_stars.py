from __future__ import annotations

from decimal import Decimal

import attrs

from starshop.domain import Money, PurchasePolicy


@attrs.frozen(kw_only=True)
class Quote:
    stars: int
    price: Money
    price_per_star: Decimal
    markup: Decimal


class QuoteStars:
    """The exact price of N stars: stars x price per star x (1 + markup), rounded up to the currency's unit."""

    def __init__(self, policy: PurchasePolicy) -> None:
        self._policy = policy

    async def __call__(self, stars: int) -> Quote:
        return Quote(
            stars=stars,
            price=self._policy.price(stars),
            price_per_star=self._policy.price_per_star,
            markup=self._policy.markup,
        )
