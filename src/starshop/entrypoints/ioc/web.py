from __future__ import annotations

from dishka import Provider, Scope, from_context, provide

from starshop.entrypoints.settings import AuthSettings
from starshop.entrypoints.web.auth import MiniAppAuth, OperatorAuth


class WebProvider(Provider):
    """Who may call the API: Mini App users and operators."""

    scope = Scope.APP
    settings = from_context(provides=AuthSettings, scope=Scope.APP)

    @provide
    def mini_app_auth(self, settings: AuthSettings) -> MiniAppAuth:
        token = settings.mini_app_token.reveal() if settings.mini_app_token is not None else None
        return MiniAppAuth(bot_token=token, max_age=settings.init_data_max_age)

    @provide
    def operator_auth(self, settings: AuthSettings) -> OperatorAuth:
        return OperatorAuth(keys=frozenset(key.reveal() for key in settings.api_keys), admin_ids=settings.admin_ids)
