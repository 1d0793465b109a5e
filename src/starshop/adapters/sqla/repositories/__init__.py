"""One repository per module, each on one unit of work's ``Execution``; their statements are in ``queries.py``."""

from starshop.adapters.sqla.repositories.alerts import SqlaAlerts, SqlaWebhookLog
from starshop.adapters.sqla.repositories.balances import SqlaBalanceRepository
from starshop.adapters.sqla.repositories.broadcasts import SqlaBroadcastRepository
from starshop.adapters.sqla.repositories.credits import SqlaPaymentCredits
from starshop.adapters.sqla.repositories.outbox import SqlaOutbox
from starshop.adapters.sqla.repositories.outbox_reader import SqlaOutboxReader
from starshop.adapters.sqla.repositories.promo_codes import SqlaPromoCodeRepository
from starshop.adapters.sqla.repositories.referrals import SqlaReferralRepository
from starshop.adapters.sqla.repositories.settings import SqlaSettingsRepository
from starshop.adapters.sqla.repositories.transactions import SqlaTransactionRepository
from starshop.adapters.sqla.repositories.users import SqlaUserRepository
from starshop.adapters.sqla.repositories.waiting_orders import SqlaWaitingOrderRepository

__all__ = [
    "SqlaAlerts",
    "SqlaBalanceRepository",
    "SqlaBroadcastRepository",
    "SqlaOutbox",
    "SqlaOutboxReader",
    "SqlaPaymentCredits",
    "SqlaPromoCodeRepository",
    "SqlaReferralRepository",
    "SqlaSettingsRepository",
    "SqlaTransactionRepository",
    "SqlaUserRepository",
    "SqlaWaitingOrderRepository",
    "SqlaWebhookLog",
]
