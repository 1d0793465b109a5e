"""The REST API under ``/api/v1``: Mini App users (``tma`` initData) and operators (``X-API-Key``).

One controller per area; each sits behind its group's guard (``base``), so authentication comes before any parsing
of the request, and its handlers are handed the identity the guard checked (``identity``).
"""

from litestar.types import ControllerRouterHandler

from starshop.entrypoints.web.api.account import AccountController
from starshop.entrypoints.web.api.admin_alerts import AdminAlertsController
from starshop.entrypoints.web.api.admin_broadcasts import AdminBroadcastsController
from starshop.entrypoints.web.api.admin_outbox import AdminOutboxController
from starshop.entrypoints.web.api.admin_settings import AdminSettingsController
from starshop.entrypoints.web.api.admin_stats import AdminStatsController
from starshop.entrypoints.web.api.admin_transactions import AdminTransactionsController
from starshop.entrypoints.web.api.admin_users import AdminUsersController
from starshop.entrypoints.web.api.events import events_socket
from starshop.entrypoints.web.api.promo_codes import AdminPromoCodesController, PromoCodesController
from starshop.entrypoints.web.api.referrals import ReferralsController
from starshop.entrypoints.web.api.shop import ShopController

API_ROUTES: list[ControllerRouterHandler] = [
    AccountController,
    ShopController,
    AdminUsersController,
    AdminTransactionsController,
    AdminOutboxController,
    AdminAlertsController,
    AdminStatsController,
    AdminSettingsController,
    PromoCodesController,
    AdminPromoCodesController,
    ReferralsController,
    AdminBroadcastsController,
    events_socket,
]

__all__ = ["API_ROUTES"]
