"""The REST API under ``/api/v1``: Mini App users (``tma`` initData) and operators (``X-API-Key``)."""

from starshop.entrypoints.web.api.admin import ADMIN_ROUTES
from starshop.entrypoints.web.api.admin_outbox import OUTBOX_ADMIN_ROUTES
from starshop.entrypoints.web.api.events import events_socket
from starshop.entrypoints.web.api.user import USER_ROUTES

API_ROUTES = [*USER_ROUTES, *ADMIN_ROUTES, *OUTBOX_ADMIN_ROUTES, events_socket]

__all__ = ["API_ROUTES"]
