"""Operator routes on the journal: search, one transaction, the verdict on a purchase, reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Literal

from dishka.integrations.litestar import FromDishka, inject
from litestar import get, post
from litestar.params import Parameter

from starshop.application.ports import TransactionFilter
from starshop.application.use_cases.expire_stale_invoices import ExpireStaleInvoices
from starshop.application.use_cases.get_transaction import GetTransaction
from starshop.application.use_cases.look_up_purchase import LookUpPurchase
from starshop.application.use_cases.reconcile_purchases import ReconcilePurchases
from starshop.application.use_cases.resolve_purchase import OperatorVerdict, ResolvePurchase, Verdict
from starshop.application.use_cases.search_transactions import SearchTransactions, TransactionSearch
from starshop.domain import MAX_USER_ID, TxStatus, TxType
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.admin_stats import day
from starshop.entrypoints.web.api.base import OperatorController
from starshop.entrypoints.web.api.bodies import ResolveBody
from starshop.entrypoints.web.errors import RequestRefused

Status = Literal["pending", "processing", "completed", "failed", "cancelled", "expired"]
Type = Literal["recharge", "purchase", "refund", "bonus", "adjustment", "promo", "referral"]
TOKEN = r"^[A-Za-z0-9_\-:.]{1,64}$"  # ids, order ids and invoice uuids; anything else is no id of ours


def created_between(first: str | None, last: str | None) -> tuple[datetime | None, datetime | None]:
    """``from`` and ``to`` (UTC days, both included) as the half-open range of ``created_at``."""
    since, until = day("from", first), day("to", last)
    if since is not None and until is not None and since > until:
        msg = "from must not be after to"
        raise RequestRefused(
            422, "validation_error", "the request is invalid", fields=[{"field": "from", "message": msg}]
        )
    start = None if since is None else datetime.combine(since, time(), UTC)
    end = None if until is None else datetime.combine(until + timedelta(days=1), time(), UTC)
    return start, end


class AdminTransactionsController(OperatorController):
    path = "/api/v1/admin"

    @get("/transactions")
    @inject
    async def transactions(
        self,
        search: FromDishka[SearchTransactions],
        user_id: int | None = Parameter(default=None, ge=1, le=MAX_USER_ID),
        status: Status | None = None,
        type: Type | None = None,  # the query parameter's public name (shadows the builtin here only)
        flagged: bool | None = None,
        tx_id: str | None = Parameter(
            query="id", default=None, min_length=1, max_length=64, pattern=TOKEN, description="a transaction id"
        ),
        order_id: str | None = Parameter(default=None, min_length=1, max_length=64, pattern=TOKEN),
        invoice_uuid: str | None = Parameter(
            default=None, min_length=1, max_length=64, pattern=TOKEN, description="the gateway's invoice uuid"
        ),
        first: str | None = Parameter(query="from", default=None, description="created on or after, YYYY-MM-DD"),
        to: str | None = Parameter(default=None, description="created on or before this UTC day, YYYY-MM-DD"),
        page: int = Parameter(default=1, ge=1, le=1_000_000),
        page_size: int = Parameter(default=50, ge=1, le=100),
    ) -> views.TransactionPage:
        """Newest first; every filter given must match: ids exactly, ``from``/``to`` are UTC days, both included."""
        since, until = created_between(first, to)
        flt = TransactionFilter(
            user_id=user_id,
            status=TxStatus(status) if status else None,
            type=TxType(type) if type else None,
            flagged=flagged,
            tx_id=tx_id,
            order_id=order_id,
            invoice_uuid=invoice_uuid,
            created_since=since,
            created_before=until,
        )
        result = await search(TransactionSearch(filter=flt, page=page, page_size=page_size))
        items = [views.OperatorTransaction.of(tx) for tx in result.items]
        return views.TransactionPage(items=items, total=result.total, page=page)

    @get("/transactions/{tx_id:str}", errors=(404,))
    @inject
    async def transaction(self, tx_id: str, get_tx: FromDishka[GetTransaction]) -> views.OperatorTransaction:
        return views.OperatorTransaction.of(await get_tx(tx_id))

    @get("/purchases/{tx_id:str}/lookup", errors=(404, 409))
    @inject
    async def lookup(self, tx_id: str, look_up: FromDishka[LookUpPurchase]) -> views.ProviderLookup:
        """Ask the provider about a purchase (the lookup a verdict is checked with); nothing changes."""
        return views.ProviderLookup.of(await look_up(tx_id))

    @post("/purchases/{tx_id:str}/resolve", status_code=200, errors=(404, 409))
    @inject
    async def resolve(
        self, tx_id: str, data: ResolveBody, resolve_purchase: FromDishka[ResolvePurchase]
    ) -> views.OperatorTransaction:
        """Settle a purchase left unknown: ``delivered`` (with the provider's ref) captures, ``refused`` refunds.

        Only a purchase whose outcome is unknown, past the lookup delay; each verdict is checked against the
        provider's order history first (409 when it contradicts it or cannot be read).
        """
        if data.outcome == "delivered" and not data.ref_id:
            msg = "a delivered verdict needs ref_id"
            raise RequestRefused(422, "validation_error", msg, fields=[{"field": "ref_id"}])
        verdict = OperatorVerdict(tx_id=tx_id, verdict=Verdict(data.outcome), reason=data.reason, ref_id=data.ref_id)
        return views.OperatorTransaction.of(await resolve_purchase(verdict))

    @post("/reconcile", status_code=200)
    @inject
    async def reconcile(
        self, purchases: FromDishka[ReconcilePurchases], invoices: FromDishka[ExpireStaleInvoices]
    ) -> views.Reconciliation:
        """Run the purchase and invoice sweeps now."""
        p, i = await purchases(), await invoices()
        return views.Reconciliation.of(p, i)
