"""The two kinds of API controller: each route behind its group's guard, handed the identity the guard checked,
its body decoded strictly."""

from litestar import Controller
from litestar.di import Provide
from litestar.openapi.spec import SecurityScheme

from starshop.entrypoints.web.api.bodies import strict_body
from starshop.entrypoints.web.api.identity import api_operator, mini_app_caller, mini_app_user, operator_key

SECURITY_SCHEMES: dict[str, SecurityScheme] = {
    "tma": SecurityScheme(
        type="apiKey",
        name="Authorization",
        security_scheme_in="header",
        description="`tma <initData>`: the initData Telegram hands the Mini App, signed with the bot token",
    ),
    "operatorKey": SecurityScheme(
        type="apiKey", name="X-API-Key", security_scheme_in="header", description="one of STARSHOP_API_KEYS"
    ),
}


class MiniAppController(Controller):
    """Mini App routes (``Authorization: tma <initData>``); a handler asks for ``caller: MiniAppCaller``."""

    guards = [mini_app_user]
    security = [{"tma": []}]
    dependencies = {"caller": Provide(mini_app_caller)}
    before_request = staticmethod(strict_body)


class OperatorController(Controller):
    """Operator routes (``X-API-Key``, one of ``STARSHOP_API_KEYS``); a handler asks for ``operator: Operator``."""

    guards = [operator_key]
    security = [{"operatorKey": []}]
    dependencies = {"operator": Provide(api_operator, sync_to_thread=False)}
    before_request = staticmethod(strict_body)
