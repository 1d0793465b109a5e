"""The two kinds of API controller: each route behind its group's guard, handed the identity the guard checked,
its body decoded strictly."""

from litestar import Controller
from litestar.di import Provide

from starshop.entrypoints.web.api.bodies import strict_body
from starshop.entrypoints.web.api.identity import api_operator, mini_app_caller, mini_app_user, operator_key


class MiniAppController(Controller):
    """Mini App routes (``Authorization: tma <initData>``); a handler asks for ``caller: MiniAppCaller``."""

    guards = [mini_app_user]
    dependencies = {"caller": Provide(mini_app_caller)}
    before_request = staticmethod(strict_body)


class OperatorController(Controller):
    """Operator routes (``X-API-Key``, one of ``STARSHOP_API_KEYS``); a handler asks for ``operator: Operator``."""

    guards = [operator_key]
    dependencies = {"operator": Provide(api_operator, sync_to_thread=False)}
    before_request = staticmethod(strict_body)
