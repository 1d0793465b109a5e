"""Operator routes, authenticated by ``X-API-Key`` (one of ``STARSHOP_API_KEYS``)."""

from __future__ import annotations

from typing import Any, Literal

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, get, post
from litestar.params import Parameter

from starshop.application.config import ShopConfig
from starshop.application.errors import UnknownUser
from starshop.application.ports import TransactionFilter
from starshop.application.use_cases.adjust_balance import AdjustBalance
from starshop.application.use_cases.audit_ledger import AuditLedger
from starshop.application.use_cases.expire_stale_invoices import ExpireStaleInvoices
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_transaction import GetTransaction
from starshop.application.use_cases.get_user import GetUser
from starshop.application.use_cases.grant_bonus import GrantBonus, OperatorCredit
from starshop.application.use_cases.reconcile_purchases import ReconcilePurchases
from starshop.application.use_cases.resolve_purchase import OperatorVerdict, ResolvePurchase, Verdict
from starshop.application.use_cases.search_transactions import SearchTransactions, TransactionSearch
from starshop.domain import MAX_USER_ID, Money, TxStatus, TxType
from starshop.entrypoints.web.api.idempotency import created, idempotency_key
from starshop.entrypoints.web.api.schemas import OperatorMoneyBody, ResolveBody, balance_json, tx_json
from starshop.entrypoints.web.auth import OperatorAuth
from starshop.entrypoints.web.errors import error_response

Req = Request[Any, Any, Any]
OPERATOR_ID = 0  # API actions are journaled with actor 0 ("the HTTP API"); bot operators use their own id.
Status = Literal["pending", "processing", "completed", "failed", "cancelled", "expired"]
Type = Literal["recharge", "purchase", "refund", "bonus", "adjustment"]


def known_user_id(user_id: int) -> int:
    if not 0 < user_id <= MAX_USER_ID:
        msg = f"user {user_id} is not registered"
        raise UnknownUser(msg)
    return user_id


def operator(request: Req, auth: OperatorAuth) -> None:
    auth.check(request.headers.get("x-api-key"))


@get("/api/v1/admin/users/{user_id:int}")
@inject
async def user(
    request: Req,
    user_id: int,
    auth: FromDishka[OperatorAuth],
    users: FromDishka[GetUser],
    balances: FromDishka[GetBalance],
) -> dict[str, Any]:
    operator(request, auth)
    found = await users(known_user_id(user_id))
    if found is None:
        msg = f"user {user_id} is not registered"
        raise UnknownUser(msg)
    return {
        "user_id": found.user_id,
        "username": found.username,
        "first_name": found.first_name,
        "last_name": found.last_name,
        "language_code": found.language_code,
        "created_at": found.created_at.isoformat(),
        "balance": balance_json(await balances(user_id)),
    }


def operator_credit(request: Req, user_id: int, data: OperatorMoneyBody, config: ShopConfig) -> OperatorCredit:
    """An operator's bonus or adjustment: the ``Idempotency-Key`` as on the user routes, a plain decimal amount."""
    key = idempotency_key(request)
    amount = Money.parse(data.amount, config.currency)
    return OperatorCredit(
        operator_id=OPERATOR_ID, user_id=known_user_id(user_id), amount=amount, reason=data.reason, idempotency_key=key
    )


@post("/api/v1/admin/users/{user_id:int}/bonus", status_code=201)
@inject
async def bonus(
    request: Req,
    user_id: int,
    data: OperatorMoneyBody,
    auth: FromDishka[OperatorAuth],
    grant: FromDishka[GrantBonus],
    config: FromDishka[ShopConfig],
) -> Response[Any]:
    """A positive credit, at most ``STARSHOP_OPERATOR_MAX_AMOUNT``; a repeated ``Idempotency-Key`` replays it."""
    operator(request, auth)
    result = await grant(operator_credit(request, user_id, data, config))
    return created(tx_json(result.transaction, operator=True), replayed=result.replayed)


@post("/api/v1/admin/users/{user_id:int}/adjustments", status_code=201)
@inject
async def adjust(
    request: Req,
    user_id: int,
    data: OperatorMoneyBody,
    auth: FromDishka[OperatorAuth],
    adjust_balance: FromDishka[AdjustBalance],
    config: FromDishka[ShopConfig],
) -> Response[Any]:
    """A signed correction, at most ``STARSHOP_OPERATOR_MAX_AMOUNT`` either way; a repeated key replays it."""
    operator(request, auth)
    result = await adjust_balance(operator_credit(request, user_id, data, config))
    return created(tx_json(result.transaction, operator=True), replayed=result.replayed)


@get("/api/v1/admin/transactions")
@inject
async def transactions(
    request: Req,
    auth: FromDishka[OperatorAuth],
    search: FromDishka[SearchTransactions],
    user_id: int | None = Parameter(default=None, ge=1, le=MAX_USER_ID),
    status: Status | None = None,
    type: Type | None = None,  # the query parameter's public name (shadows the builtin here only)
    flagged: bool | None = None,
    page: int = Parameter(default=1, ge=1, le=1_000_000),
    page_size: int = Parameter(default=50, ge=1, le=100),
) -> dict[str, Any]:
    operator(request, auth)
    flt = TransactionFilter(
        user_id=user_id,
        status=TxStatus(status) if status else None,
        type=TxType(type) if type else None,
        flagged=flagged,
    )
    result = await search(TransactionSearch(filter=flt, page=page, page_size=page_size))
    return {"items": [tx_json(tx, operator=True) for tx in result.items], "total": result.total, "page": page}


@get("/api/v1/admin/transactions/{tx_id:str}")
@inject
async def transaction(
    request: Req, tx_id: str, auth: FromDishka[OperatorAuth], get_tx: FromDishka[GetTransaction]
) -> dict[str, Any]:
    operator(request, auth)
    return tx_json(await get_tx(tx_id), operator=True)


@post("/api/v1/admin/purchases/{tx_id:str}/resolve", status_code=200)
@inject
async def resolve(
    request: Req,
    tx_id: str,
    data: ResolveBody,
    auth: FromDishka[OperatorAuth],
    resolve_purchase: FromDishka[ResolvePurchase],
) -> Response[Any]:
    """Settle a purchase left unknown: ``delivered`` (with the provider's ref) captures, ``refused`` refunds.

    Only a purchase whose outcome is unknown, past the lookup delay; each verdict is checked against the provider's
    order history first (409 when it contradicts it or cannot be read).
    """
    operator(request, auth)
    if data.outcome == "delivered" and not data.ref_id:
        return error_response(422, "validation_error", "a delivered verdict needs ref_id", fields=[{"field": "ref_id"}])
    verdict = OperatorVerdict(tx_id=tx_id, verdict=Verdict(data.outcome), reason=data.reason, ref_id=data.ref_id)
    return Response(tx_json(await resolve_purchase(verdict), operator=True), status_code=200)


@post("/api/v1/admin/reconcile", status_code=200)
@inject
async def reconcile(
    request: Req,
    auth: FromDishka[OperatorAuth],
    purchases: FromDishka[ReconcilePurchases],
    invoices: FromDishka[ExpireStaleInvoices],
) -> dict[str, Any]:
    operator(request, auth)
    p, i = await purchases(), await invoices()
    return {
        "purchases": {
            "requeued": p.requeued,
            "delivered": p.delivered,
            "unresolved": p.unresolved,
            "flagged": p.flagged,
            "lookup_failed": p.lookup_failed,
        },
        "invoices": {"checked": i.checked, "credited": i.credited, "expired": i.expired, "unreachable": i.unreachable},
    }


@get("/api/v1/admin/audit")
@inject
async def audit(request: Req, auth: FromDishka[OperatorAuth], audit_ledger: FromDishka[AuditLedger]) -> dict[str, Any]:
    operator(request, auth)
    report = await audit_ledger()
    return {
        "ok": report.ok,
        "users_checked": report.users_checked,
        "violations": [{"user_id": v.user_id, "problems": list(v.problems)} for v in report.violations],
    }


ADMIN_ROUTES = [user, bonus, adjust, transactions, transaction, resolve, reconcile, audit]
