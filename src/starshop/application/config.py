"""Business settings the use cases need; the entrypoints build this from configuration."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs

from starshop.domain import Currency, Money, UnderpaymentPolicy


@attrs.frozen(kw_only=True)
class ShopConfig:
    currency: Currency
    min_recharge: Money
    max_recharge: Money
    invoice_lifetime: timedelta = timedelta(hours=1)
    underpayment: UnderpaymentPolicy = UnderpaymentPolicy.NONE
    # Invoice reconciliation: ask the gateway about open invoices expiring within ``invoice_check_window``,
    # no more often than ``invoice_check_interval`` per invoice; expire them ``invoice_expiry_grace`` after expiry.
    invoice_check_window: timedelta = timedelta(minutes=5)
    invoice_check_interval: timedelta = timedelta(seconds=30)
    invoice_expiry_grace: timedelta = timedelta(minutes=2)
    # Purchases: re-drive queued purchases nobody picked up, look up attempts older than ``lookup_after`` (longer
    # than any delivery call can take), and flag for an operator what is still unresolved after ``unknown_deadline``.
    requeue_after: timedelta = timedelta(minutes=1)
    lookup_after: timedelta = timedelta(minutes=3)
    unknown_deadline: timedelta = timedelta(minutes=30)
    wallet_floor: Decimal | None = None
    batch_size: int = 100
    # The largest bonus or adjustment (either way) one operator action may move, in the shop's currency.
    operator_max_amount: Decimal = Decimal(1000)
    # What a referrer earns when a purchase of a user they invited completes: a percent of its price (0: nothing).
    referral_percent: Decimal = Decimal(0)

    def currency_money(self, value: object) -> Money:
        return Money.of(value, self.currency)

    @property
    def operator_ceiling(self) -> Money:
        return Money.of(self.operator_max_amount, self.currency)
