"""Promo codes: operators create, list and disable them; Mini App users redeem bonus codes.

A discount code is given as ``promo_code`` to ``GET /api/v1/quote`` and ``POST /api/v1/purchases`` (``shop``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, get, post
from litestar.params import Parameter

from starshop.application.config import ShopConfig
from starshop.application.use_cases.create_promo_code import CreatePromoCode, NewPromoCode
from starshop.application.use_cases.disable_promo_code import DisablePromoCode
from starshop.application.use_cases.list_promo_codes import ListPromoCodes
from starshop.application.use_cases.redeem_promo_code import RedeemPromoCode, Redemption
from starshop.domain import Money, PromoKind
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.base import MiniAppController, OperatorController
from starshop.entrypoints.web.api.bodies import PromoCodeBody
from starshop.entrypoints.web.api.idempotency import IdempotentOperation, created, idempotency_key
from starshop.entrypoints.web.api.identity import MiniAppCaller, Operator
from starshop.entrypoints.web.errors import RequestRefused

CODE_PATH = Parameter(max_length=64, description="the code, any case")


def _expiry(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise RequestRefused(
            422,
            "validation_error",
            "the request is invalid",
            fields=[{"field": "expires_at", "message": "ISO 8601 with its UTC offset, e.g. 2027-01-31T23:59:00+00:00"}],
        )
    return when


class PromoCodesController(MiniAppController):
    path = "/api/v1/promo-codes"

    @post("/{code:str}/redeem", operation_class=IdempotentOperation, errors=(404, 409, 410))
    @inject
    async def redeem(
        self,
        request: Request[Any, Any, Any],
        caller: MiniAppCaller,
        redeem_code: FromDishka[RedeemPromoCode],
        code: str = CODE_PATH,
    ) -> Response[views.Transaction]:
        """Redeem a bonus code: its amount is credited at once as a ``promo`` entry. A repeated
        ``Idempotency-Key`` replays the first answer."""
        profile = await caller.registered()
        key = idempotency_key(request)
        result = await redeem_code(Redemption(user_id=profile.user_id, code=code, idempotency_key=key))
        return created(views.Transaction.of(result.transaction), replayed=result.replayed)


class AdminPromoCodesController(OperatorController):
    path = "/api/v1/admin/promo-codes"

    @post("/", status_code=201, errors=(409,))
    @inject
    async def create(
        self,
        data: PromoCodeBody,
        operator: Operator,
        create_code: FromDishka[CreatePromoCode],
        config: FromDishka[ShopConfig],
    ) -> views.PromoCode:
        """A new code; a code that exists already is refused (409 ``promo_code_exists``)."""

        def amount(text: str | None) -> Money | None:
            return None if text is None else Money.parse(text, config.currency)

        code = await create_code(
            NewPromoCode(
                operator_id=operator.id,
                code=data.code,
                kind=PromoKind(data.kind),
                amount=amount(data.amount),
                percent=None if data.percent is None else Decimal(data.percent),
                max_discount=amount(data.max_discount),
                max_uses=data.max_uses,
                once_per_user=data.once_per_user,
                expires_at=_expiry(data.expires_at),
            )
        )
        return views.PromoCode.of(code)

    @get("/")
    @inject
    async def list_codes(
        self,
        list_promo_codes: FromDishka[ListPromoCodes],
        limit: int = Parameter(default=50, ge=1, le=100),
        offset: int = Parameter(default=0, ge=0, le=1_000_000),
    ) -> views.PromoCodes:
        """Every code with its uses, newest first."""
        items = await list_promo_codes(limit=limit, offset=offset)
        return views.PromoCodes(items=[views.PromoCode.of(c) for c in items], offset=offset, limit=limit)

    @post("/{code:str}/disable", status_code=200, errors=(404,))
    @inject
    async def disable(self, disable_code: FromDishka[DisablePromoCode], code: str = CODE_PATH) -> views.PromoCode:
        """End a code for good; disabling it again changes nothing."""
        return views.PromoCode.of(await disable_code(code))
