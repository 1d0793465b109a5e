"""A Mini App user's account: profile, balance and history."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import get, put
from litestar.params import Parameter

from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_history import GetHistory, HistoryQuery
from starshop.application.use_cases.get_transaction import GetTransaction
from starshop.application.use_cases.get_user import GetUser
from starshop.application.use_cases.set_language import LanguageChoice, SetLanguage
from starshop.entrypoints.web.api import views
from starshop.entrypoints.web.api.base import MiniAppController
from starshop.entrypoints.web.api.bodies import LanguageBody
from starshop.entrypoints.web.api.identity import MiniAppCaller


class AccountController(MiniAppController):
    path = "/api/v1"

    @get("/me")
    @inject
    async def me(self, caller: MiniAppCaller, balances: FromDishka[GetBalance], users: FromDishka[GetUser]) -> views.Me:
        """The profile (stored again, so it stays fresh), the language the user chose and the balance."""
        profile = await caller.registered(refresh=True)
        stored = await users(profile.user_id)
        return views.Me.of(profile, await balances(profile.user_id), stored.language if stored else None)

    @put("/me/language", status_code=200)
    @inject
    async def set_language(
        self, caller: MiniAppCaller, data: LanguageBody, set_language: FromDishka[SetLanguage]
    ) -> views.Language:
        """Choose the shop's language (``en`` or ``ru``) for the storefront and the bot alike; kept on the user's
        row. Setting the same language again changes nothing."""
        profile = await caller.registered()
        chosen = await set_language(LanguageChoice(user_id=profile.user_id, language=data.language))
        return views.Language(language=chosen)

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
