from __future__ import annotations

from decimal import Decimal

import attrs

from starshop.application.errors import UnknownPromoCode
from starshop.application.ports import Clock, UnitOfWork
from starshop.application.use_cases._shared import current_settings
from starshop.domain import Defaults, Money, Product, PromoKind, PromoNotApplicable, normalise_code


@attrs.frozen(kw_only=True)
class Quote:
    """The price of ``stars``, or (product ``premium``) of ``months`` of Telegram Premium."""

    stars: int | None
    price: Money
    price_per_star: Decimal
    markup: Decimal
    product: Product = Product.STARS
    months: int | None = None
    promo_code: str | None = None
    discount: Money | None = None  # what the code takes off; ``price`` is what is left to pay
    paused_message: str | None = None  # the shop is in maintenance: the operator's message, no purchase now


class QuoteStars:
    """The exact price of N stars: stars x price per star x (1 + markup), rounded up to the currency's unit; or of
    ``months`` of Telegram Premium, as the shop prices them (refused when Premium is not sold).

    With a discount code, the price after its discount, when that user may use the code now (the purchase checks
    again, under the code's lock); an unknown, disabled, expired, used-up or already-used code is refused.
    The price, bounds and Premium prices are the settings in force now (read in this unit of work); in maintenance a
    quote is still given, with the operator's message saying sales are paused.
    """

    def __init__(self, defaults: Defaults, uow: UnitOfWork, clock: Clock) -> None:
        self._defaults = defaults
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        stars: int | None,
        *,
        months: int | None = None,
        promo_code: str | None = None,
        user_id: int | None = None,
    ) -> Quote:
        """``stars``, or (``stars=None``) ``months`` of Premium."""
        async with self._uow as uow:
            settings = await current_settings(uow, self._defaults)
            policy = settings.policy
            paused = settings.maintenance_message if settings.maintenance else None
            rate, markup = policy.price_per_star, policy.markup
            if stars is None:
                price = settings.premium.price(months)
                quote = Quote(
                    stars=None,
                    price=price,
                    price_per_star=rate,
                    markup=markup,
                    product=Product.PREMIUM,
                    months=months,
                    paused_message=paused,
                )
            else:
                price = policy.price(stars)
                quote = Quote(stars=stars, price=price, price_per_star=rate, markup=markup, paused_message=paused)
            if promo_code is None:
                return quote
            name = normalise_code(promo_code)
            code = await uow.promo_codes.get(name)
            if code is None:
                msg = f"no promo code {name}"
                raise UnknownPromoCode(msg)
            if code.kind is not PromoKind.DISCOUNT:
                msg = f"{name} is a bonus code: redeem it, it gives no discount"
                raise PromoNotApplicable(msg)
            used = user_id is not None and await uow.promo_codes.used_by(name, user_id)
        code.check_usable(self._clock.now(), used_by_user=used)
        discount = code.discount(price)
        return attrs.evolve(quote, price=price - discount, promo_code=name, discount=discount)
