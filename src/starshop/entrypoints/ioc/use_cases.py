from __future__ import annotations

from dishka import Provider, Scope, provide, provide_all

from starshop.application.ports import Clock, EventPublisher, Notifier, OutboxUnitOfWork, TaskQueue
from starshop.application.use_cases.acknowledge_alert import AcknowledgeAlert
from starshop.application.use_cases.adjust_balance import AdjustBalance
from starshop.application.use_cases.attribute_referral import AttributeReferral
from starshop.application.use_cases.audit_ledger import AuditLedger
from starshop.application.use_cases.audit_provider import AuditProvider
from starshop.application.use_cases.buy_stars import BuyStars
from starshop.application.use_cases.cancel_broadcast import CancelBroadcast
from starshop.application.use_cases.change_shop_settings import ChangeShopSettings
from starshop.application.use_cases.confirm_payment import ConfirmPayment
from starshop.application.use_cases.create_broadcast import CreateBroadcast
from starshop.application.use_cases.create_promo_code import CreatePromoCode
from starshop.application.use_cases.create_recharge import CreateRecharge
from starshop.application.use_cases.deliver_purchase import DeliverPurchase
from starshop.application.use_cases.disable_promo_code import DisablePromoCode
from starshop.application.use_cases.expire_stale_invoices import ExpireStaleInvoices
from starshop.application.use_cases.find_users import FindUsers
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_broadcast import GetBroadcast
from starshop.application.use_cases.get_history import GetHistory
from starshop.application.use_cases.get_recharge_webhooks import GetRechargeWebhooks
from starshop.application.use_cases.get_referrals import GetReferrals
from starshop.application.use_cases.get_settings_audit import GetSettingsAudit
from starshop.application.use_cases.get_shop_activity import GetShopActivity
from starshop.application.use_cases.get_shop_settings import GetShopSettings
from starshop.application.use_cases.get_shop_stats import GetShopStats
from starshop.application.use_cases.get_transaction import GetTransaction
from starshop.application.use_cases.get_user import GetUser
from starshop.application.use_cases.grant_bonus import GrantBonus
from starshop.application.use_cases.list_alerts import ListAlerts
from starshop.application.use_cases.list_broadcasts import ListBroadcasts
from starshop.application.use_cases.list_flagged_recharges import ListFlaggedRecharges
from starshop.application.use_cases.list_promo_codes import ListPromoCodes
from starshop.application.use_cases.list_quarantined_events import ListQuarantinedEvents
from starshop.application.use_cases.look_up_purchase import LookUpPurchase
from starshop.application.use_cases.place_waiting_order import PlaceWaitingOrder
from starshop.application.use_cases.preview_broadcast import PreviewBroadcast
from starshop.application.use_cases.quote_stars import QuoteStars
from starshop.application.use_cases.reconcile_purchases import ReconcilePurchases
from starshop.application.use_cases.record_delivery import RecordDelivery
from starshop.application.use_cases.redeem_promo_code import RedeemPromoCode
from starshop.application.use_cases.register_user import RegisterUser
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.application.use_cases.release_quarantined_event import ReleaseQuarantinedEvent
from starshop.application.use_cases.remember_invoice_message import RememberInvoiceMessage
from starshop.application.use_cases.resolve_purchase import ResolvePurchase
from starshop.application.use_cases.resume_broadcasts import ResumeBroadcasts
from starshop.application.use_cases.resume_waiting_orders import ResumeWaitingOrders
from starshop.application.use_cases.search_transactions import SearchTransactions
from starshop.application.use_cases.send_broadcast import SendBroadcast
from starshop.application.use_cases.set_language import SetLanguage
from starshop.application.use_cases.top_up_for_order import TopUpForOrder
from starshop.application.use_cases.watch_operations import WatchOperations


class UseCasesProvider(Provider):
    """Every use case, one per request scope; adding one is one line here. It never changes between adapters."""

    scope = Scope.REQUEST
    use_cases = provide_all(
        RegisterUser,
        GetBalance,
        GetHistory,
        GetShopStats,
        GetShopActivity,
        GetTransaction,
        GetUser,
        FindUsers,
        SearchTransactions,
        QuoteStars,
        CreateRecharge,
        ConfirmPayment,
        BuyStars,
        RecordDelivery,
        DeliverPurchase,
        ReconcilePurchases,
        ResolvePurchase,
        LookUpPurchase,
        ExpireStaleInvoices,
        GrantBonus,
        AdjustBalance,
        AuditLedger,
        AuditProvider,
        ListQuarantinedEvents,
        CreatePromoCode,
        ListPromoCodes,
        DisablePromoCode,
        RedeemPromoCode,
        AttributeReferral,
        GetReferrals,
        GetShopSettings,
        ChangeShopSettings,
        GetSettingsAudit,
        WatchOperations,
        ListAlerts,
        AcknowledgeAlert,
        ReleaseQuarantinedEvent,
        GetRechargeWebhooks,
        ListFlaggedRecharges,
        PreviewBroadcast,
        CreateBroadcast,
        GetBroadcast,
        ListBroadcasts,
        CancelBroadcast,
        SendBroadcast,
        ResumeBroadcasts,
        ResumeWaitingOrders,
        TopUpForOrder,
        SetLanguage,
        RememberInvoiceMessage,
        PlaceWaitingOrder,
    )

    @provide
    def relay_outbox(
        self, uow: OutboxUnitOfWork, notifier: Notifier, publisher: EventPublisher, queue: TaskQueue, clock: Clock
    ) -> RelayOutbox:
        return RelayOutbox(uow, notifier, publisher, queue, clock)
