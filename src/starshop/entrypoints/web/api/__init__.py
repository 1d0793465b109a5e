"""The REST API under ``/api/v1``: Mini App users (``tma`` initData) and operators (``X-API-Key``).

Each group sits behind its guard, so authentication comes before any parsing of the request; bodies are
decoded strictly (``guards.strict_body``).
"""

from litestar import Router
from litestar.types import ControllerRouterHandler

from starshop.entrypoints.web.api.admin import ADMIN_ROUTES
from starshop.entrypoints.web.api.admin_outbox import OUTBOX_ADMIN_ROUTES
from starshop.entrypoints.web.api.events import events_socket
from starshop.entrypoints.web.api.guards import mini_app_user, operator_key, strict_body
from starshop.entrypoints.web.api.user import USER_ROUTES

API_ROUTES: list[ControllerRouterHandler] = [
    Router(path="/", route_handlers=USER_ROUTES, guards=[mini_app_user], before_request=strict_body),
    Router(
        path="/",
        route_handlers=[*ADMIN_ROUTES, *OUTBOX_ADMIN_ROUTES],
        guards=[operator_key],
        before_request=strict_body,
    ),
    events_socket,
]

__all__ = ["API_ROUTES"]
