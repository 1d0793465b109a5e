"""A Mini App user's account: profile, balance and history."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import get
from litestar.params import Parameter

from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_history import GetHistory, HistoryQuery
from starshop.application.use_cases.get_transaction import GetTransaction
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.base import MiniAppController
from starshop.entrypoints.web.api.identity import MiniAppCaller


class AccountController(MiniAppController):
    path = "/api/v1"

    @get("/me")
    @inject
    async def me(self, caller: MiniAppCaller, balances: FromDishka[GetBalance]) -> views.Me:
        """The profile (stored again, so it stays fresh) and the balance."""
        profile = await caller.registered(refresh=True)
        return views.Me.of(profile, await balances(profile.user_id))

    @get("/balance")
    @inject
    async def balance(self, caller: MiniAppCaller, balances: FromDishka[GetBalance]) -> views.Balance:
        profile = await caller.registered()
        return views.Balance.of(await balances(profile.user_id))

    @get("/transactions")
    @inject
    async def transactions(
        self,
        caller: MiniAppCaller,
        history: FromDishka[GetHistory],
        page: int = Parameter(default=1, ge=1, le=1_000_000),
        page_size: int = Parameter(default=20, ge=1, le=100),
    ) -> views.History:
        """The caller's transactions, newest first."""
        profile = await caller.registered()
        result = await history(HistoryQuery(user_id=profile.user_id, page=page, page_size=page_size))
        items = [views.Transaction.of(tx) for tx in result.items]
        return views.History(items=items, total=result.total, page=page, page_size=page_size)

    @get("/transactions/{tx_id:str}", errors=(404,))
    @inject
    async def transaction(
        self, caller: MiniAppCaller, get_tx: FromDishka[GetTransaction], tx_id: str = Parameter(max_length=64)
    ) -> views.Transaction:
        """One of the caller's transactions (a purchase's status, its provider reference or why it was refused);
        another user's is answered as unknown, like one that does not exist."""
        profile = await caller.registered()
        return views.Transaction.of(await get_tx(tx_id, owner=profile.user_id))
