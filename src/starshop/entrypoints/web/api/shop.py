"""A Mini App user's shop: quotes, top-ups and star purchases."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, get, post
from litestar.params import Parameter

from starshop.application.config import ShopConfig
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.application.use_cases.get_shop_settings import GetShopSettings
from starshop.application.use_cases.quote_stars import QuoteStars
from starshop.domain import Money, PayWith
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.base import MiniAppController
from starshop.entrypoints.web.api.bodies import PurchaseBody, RechargeBody
from starshop.entrypoints.web.api.idempotency import IdempotentOperation, created, idempotency_key
from starshop.entrypoints.web.api.identity import MiniAppCaller


class ShopController(MiniAppController):
    path = "/api/v1"

    @get("/shop")
    @inject
    async def shop(self, settings: FromDishka[GetShopSettings], config: FromDishka[ShopConfig]) -> views.ShopInfo:
        """The bounds of a purchase and a top-up, the amounts a storefront offers at a tap, the price in force, and
        whether sales are paused for maintenance (with the operator's message); top-ups go on in maintenance."""
        return views.ShopInfo.of(await settings(), config)

    @get("/quote", errors=(404, 409, 410))
    @inject
    async def quote(
        self,
        caller: MiniAppCaller,
        quotes: FromDishka[QuoteStars],
        stars: int = Parameter(ge=1, le=10_000_000),
        promo_code: str | None = Parameter(default=None, max_length=64),
    ) -> views.Quote:
        """The exact price of ``stars`` stars; with a discount ``promo_code``, the price after its discount."""
        if promo_code is None:
            return views.Quote.of(await quotes(stars))
        return views.Quote.of(await quotes(stars, promo_code=promo_code, user_id=caller.profile.user_id))

    @post("/recharges", operation_class=IdempotentOperation, errors=(409, 429, 502, 503))
    @inject
    async def create_recharge(
        self,
        request: Request[Any, Any, Any],
        data: RechargeBody,
        caller: MiniAppCaller,
        recharges: FromDishka[CreateRecharge],
        config: FromDishka[ShopConfig],
    ) -> Response[views.Transaction]:
        """A top-up; the answer holds its ``invoice_url``."""
        profile = await caller.registered()
        key = idempotency_key(request)
        amount = Money.parse(data.amount, config.currency)
        result = await recharges(CreateRechargeInput(user_id=profile.user_id, amount=amount, idempotency_key=key))
        return created(views.Transaction.of(result.recharge, invoice_url=result.invoice.url), replayed=result.replayed)

    @post("/purchases", operation_class=IdempotentOperation, errors=(404, 409, 410, 429, 502, 503))
    @inject
    async def create_purchase(
        self, request: Request[Any, Any, Any], data: PurchaseBody, caller: MiniAppCaller, buy: FromDishka[BuyStars]
    ) -> Response[views.Transaction]:
        """Buy stars from the balance, or (``pay_with: "invoice"``) through the purchase's own ``invoice_url``; a
        discount ``promo_code`` takes its percent off the price. In maintenance: 503 ``maintenance`` with the
        operator's message, nothing created."""
        profile = await caller.registered()
        key = idempotency_key(request)
        purchase = BuyStarsInput(
            user_id=profile.user_id,
            stars=data.stars,
            recipient=data.recipient,
            pay_with=PayWith(data.pay_with),
            idempotency_key=key,
            promo_code=data.promo_code,
        )
        result = await buy(purchase)
        invoice_url = result.invoice.url if result.invoice is not None else None
        return created(views.Transaction.of(result.purchase, invoice_url=invoice_url), replayed=result.replayed)
