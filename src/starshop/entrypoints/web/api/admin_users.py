"""Operator routes on users and money: a user's record, bonuses, adjustments and the ledger audit."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, get, post
from litestar.params import Parameter

from starshop.application.config import ShopConfig
from starshop.application.errors import UnknownUser
from starshop.application.use_cases.adjust_balance import AdjustBalance
from starshop.application.use_cases.audit_ledger import AuditLedger
from starshop.application.use_cases.find_users import FindUsers
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_user import GetUser
from starshop.application.use_cases.grant_bonus import GrantBonus, OperatorCredit
from starshop.domain import MAX_USER_ID, Balance, Money
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.base import OperatorController
from starshop.entrypoints.web.api.bodies import OperatorMoneyBody
from starshop.entrypoints.web.api.idempotency import IdempotentOperation, created, idempotency_key
from starshop.entrypoints.web.api.identity import Operator


def known_user_id(user_id: int) -> int:
    if not 0 < user_id <= MAX_USER_ID:
        msg = f"user {user_id} is not registered"
        raise UnknownUser(msg)
    return user_id


def operator_credit(
    request: Request[Any, Any, Any], operator: Operator, user_id: int, data: OperatorMoneyBody, config: ShopConfig
) -> OperatorCredit:
    """An operator's bonus or adjustment: the ``Idempotency-Key`` as on the user routes, a plain decimal amount."""
    key = idempotency_key(request)
    amount = Money.parse(data.amount, config.currency)
    return OperatorCredit(
        operator_id=operator.id, user_id=known_user_id(user_id), amount=amount, reason=data.reason, idempotency_key=key
    )


class AdminUsersController(OperatorController):
    path = "/api/v1/admin"

    @get("/users")
    @inject
    async def find(
        self,
        find_users: FromDishka[FindUsers],
        config: FromDishka[ShopConfig],
        text: str = Parameter(
            query="query", min_length=1, max_length=64, description="a Telegram id, or a username with or without @"
        ),
    ) -> views.Users:
        """Users by Telegram id, or by username in any case (a stale profile may share a name: at most 20, lowest
        id first); none found is an empty list. Anything else is refused (422 ``invalid_query``)."""
        found = await find_users(text)
        empty = Balance.empty
        items = [views.User.of(m.user, m.balance or empty(m.user.user_id, config.currency)) for m in found]
        return views.Users(items=items)

    @get("/users/{user_id:int}", errors=(404,))
    @inject
    async def user(self, user_id: int, users: FromDishka[GetUser], balances: FromDishka[GetBalance]) -> views.User:
        found = await users(known_user_id(user_id))
        if found is None:
            msg = f"user {user_id} is not registered"
            raise UnknownUser(msg)
        return views.User.of(found, await balances(user_id))

    @post("/users/{user_id:int}/bonus", status_code=201, operation_class=IdempotentOperation, errors=(404, 409))
    @inject
    async def bonus(
        self,
        request: Request[Any, Any, Any],
        user_id: int,
        data: OperatorMoneyBody,
        operator: Operator,
        grant: FromDishka[GrantBonus],
        config: FromDishka[ShopConfig],
    ) -> Response[views.OperatorTransaction]:
        """A positive credit, at most ``STARSHOP_OPERATOR_MAX_AMOUNT``; a repeated ``Idempotency-Key`` replays it."""
        result = await grant(operator_credit(request, operator, user_id, data, config))
        return created(views.OperatorTransaction.of(result.transaction), replayed=result.replayed)

    @post("/users/{user_id:int}/adjustments", status_code=201, operation_class=IdempotentOperation, errors=(404, 409))
    @inject
    async def adjust(
        self,
        request: Request[Any, Any, Any],
        user_id: int,
        data: OperatorMoneyBody,
        operator: Operator,
        adjust_balance: FromDishka[AdjustBalance],
        config: FromDishka[ShopConfig],
    ) -> Response[views.OperatorTransaction]:
        """A signed correction, at most ``STARSHOP_OPERATOR_MAX_AMOUNT`` either way; a repeated key replays it."""
        result = await adjust_balance(operator_credit(request, operator, user_id, data, config))
        return created(views.OperatorTransaction.of(result.transaction), replayed=result.replayed)

    @get("/audit")
    @inject
    async def audit(self, audit_ledger: FromDishka[AuditLedger]) -> views.Audit:
        """Every user's balance against the ledger's rules."""
        return views.Audit.of(await audit_ledger())
