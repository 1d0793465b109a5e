"""Mini App routes: the caller is the Telegram user whose initData signs the request."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, get, post
from litestar.params import Parameter

from starshop.application.config import ShopConfig
from starshop.application.ports import Cache
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_history import GetHistory, HistoryQuery
from starshop.application.use_cases.quote_stars import QuoteStars
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile, user_cache_key
from starshop.domain import Money, PayWith
from starshop.entrypoints.web.api.guards import signed_in
from starshop.entrypoints.web.api.idempotency import created, idempotency_key
from starshop.entrypoints.web.api.schemas import PurchaseBody, RechargeBody, balance_json, money, tx_json
from starshop.entrypoints.web.auth import MiniAppAuth

PROFILE_TTL = 300.0
Req = Request[Any, Any, Any]


async def caller(
    request: Req, auth: MiniAppAuth, register: RegisterUser, cache: Cache, *, refresh: bool = False
) -> TelegramProfile:
    """The authenticated user, registered on first sight (and on ``/me``, so the profile stays fresh)."""
    profile = signed_in(request, auth)
    key = user_cache_key(profile.user_id)
    if refresh or await cache.get(key) is None:
        await register(profile)
        await cache.set(key, str(profile.user_id), ttl=PROFILE_TTL)
    return profile


@get("/api/v1/me")
@inject
async def me(
    request: Req,
    auth: FromDishka[MiniAppAuth],
    register: FromDishka[RegisterUser],
    cache: FromDishka[Cache],
    balances: FromDishka[GetBalance],
) -> dict[str, Any]:
    profile = await caller(request, auth, register, cache, refresh=True)
    balance = await balances(profile.user_id)
    return {
        "user_id": profile.user_id,
        "username": profile.username,
        "first_name": profile.first_name,
        "language_code": profile.language_code,
        "balance": balance_json(balance),
    }


@get("/api/v1/balance")
@inject
async def balance(
    request: Req,
    auth: FromDishka[MiniAppAuth],
    register: FromDishka[RegisterUser],
    cache: FromDishka[Cache],
    balances: FromDishka[GetBalance],
) -> dict[str, Any]:
    profile = await caller(request, auth, register, cache)
    return balance_json(await balances(profile.user_id))


@get("/api/v1/transactions")
@inject
async def transactions(
    request: Req,
    auth: FromDishka[MiniAppAuth],
    register: FromDishka[RegisterUser],
    cache: FromDishka[Cache],
    history: FromDishka[GetHistory],
    page: int = Parameter(default=1, ge=1, le=1_000_000),
    page_size: int = Parameter(default=20, ge=1, le=100),
) -> dict[str, Any]:
    profile = await caller(request, auth, register, cache)
    result = await history(HistoryQuery(user_id=profile.user_id, page=page, page_size=page_size))
    return {"items": [tx_json(tx) for tx in result.items], "total": result.total, "page": page, "page_size": page_size}


@get("/api/v1/quote")
@inject
async def quote(
    request: Req,
    auth: FromDishka[MiniAppAuth],
    quotes: FromDishka[QuoteStars],
    stars: int = Parameter(ge=1, le=10_000_000),
) -> dict[str, Any]:
    signed_in(request, auth)
    result = await quotes(stars)
    return {
        "stars": result.stars,
        "price": money(result.price),
        "currency": result.price.currency.code,
        "price_per_star": format(result.price_per_star, "f"),
        "markup": format(result.markup, "f"),
    }


@post("/api/v1/recharges")
@inject
async def create_recharge(
    request: Req,
    data: RechargeBody,
    auth: FromDishka[MiniAppAuth],
    register: FromDishka[RegisterUser],
    cache: FromDishka[Cache],
    recharges: FromDishka[CreateRecharge],
    config: FromDishka[ShopConfig],
) -> Response[Any]:
    profile = await caller(request, auth, register, cache)
    key = idempotency_key(request)
    amount = Money.parse(data.amount, config.currency)
    result = await recharges(CreateRechargeInput(user_id=profile.user_id, amount=amount, idempotency_key=key))
    return created(tx_json(result.recharge) | {"invoice_url": result.invoice.url}, replayed=result.replayed)


@post("/api/v1/purchases")
@inject
async def create_purchase(
    request: Req,
    data: PurchaseBody,
    auth: FromDishka[MiniAppAuth],
    register: FromDishka[RegisterUser],
    cache: FromDishka[Cache],
    buy: FromDishka[BuyStars],
) -> Response[Any]:
    profile = await caller(request, auth, register, cache)
    key = idempotency_key(request)
    result = await buy(
        BuyStarsInput(
            user_id=profile.user_id,
            stars=data.stars,
            recipient=data.recipient,
            pay_with=PayWith(data.pay_with),
            idempotency_key=key,
        )
    )
    body = tx_json(result.purchase)
    if result.invoice is not None:
        body["invoice_url"] = result.invoice.url
    return created(body, replayed=result.replayed)


USER_ROUTES = [me, balance, transactions, quote, create_recharge, create_purchase]
