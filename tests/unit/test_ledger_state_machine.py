"""The centrepiece: random sequences through every use case, checked against a model after every step.

Purchases buy stars or (product ``premium``) months of Telegram Premium: the same saga and the same rules for both,
and the provider is always asked for what was bought.

The model predicts every credit (recharges, bonuses, adjustments) on its own, and checks each purchase movement it
observes against the rules before applying it: a purchase ends delivered only if the provider bought it, ends
refused only if the provider refused it, is never bought twice, an unknown outcome is never refunded, a
purchase paid by invoice is funded only by its own invoice paid in full, and an order waiting for a top-up is
placed once, only after that top-up was credited in full while it waited, and never above the price confirmed.

Every rule says which branch it took (``note``: a hypothesis ``event`` and a count); ``test_ledger_state_machine``
fails when an important branch ran in no example, so a rule that silently stopped reaching its case is seen.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from starshop.application.errors import (
    AlreadySettled,
    IdempotencyConflict,
    NotSettleable,
    PriceAboveConfirmed,
    ProviderHasNoOrder,
    ProviderHasOrder,
    ProviderLookupFailed,
    UnknownPromoCode,
)
from starshop.application.ports import Delivered, Refused
from starshop.application.use_cases.attribute_referral import ReferralArrival
from starshop.application.use_cases.buy_stars import BuyStarsInput
from starshop.application.use_cases.change_shop_settings import SettingsEdit
from starshop.application.use_cases.confirm_payment import PaymentOutcome
from starshop.application.use_cases.create_promo_code import NewPromoCode
from starshop.application.use_cases.create_recharge import CreateRechargeInput
from starshop.application.use_cases.grant_bonus import OperatorCredit
from starshop.application.use_cases.record_delivery import DeliveryResult, Recorded
from starshop.application.use_cases.redeem_promo_code import Redemption
from starshop.application.use_cases.register_user import TelegramProfile
from starshop.application.use_cases.resolve_purchase import OperatorVerdict, Verdict
from starshop.application.use_cases.top_up_for_order import OrderTopUp
from starshop.domain import (
    Attribution,
    Currency,
    DeliveryReceipt,
    DomainError,
    InsufficientFunds,
    InvalidPromoCode,
    Money,
    OrderState,
    PaymentStatus,
    PayWith,
    Product,
    PromoAlreadyUsed,
    PromoDisabled,
    PromoExpired,
    PromoKind,
    PromoNotApplicable,
    PromoUsedUp,
    SalesSuspended,
    TxStatus,
    TxType,
    UnderpaymentPolicy,
    referral_code,
)
from starshop.testing import build_in_memory_shop, default_config
from starshop.testing.strategies import money

USERS = (11, 12, 13)
KEYS = (None, None, None, "key-a", "key-b")  # mostly unkeyed, as most requests are new
ZERO = Decimal(0)
OPEN, CREDITED, EXPIRED, FAILED = "open", "credited", "expired", "failed"
RAN: Counter[str] = Counter()  # how often each branch ran, over every example of every machine


def note(branch: str) -> None:
    event(branch)
    RAN[branch] += 1


@attrs.define
class Recharge:
    tx_id: str
    order_id: str
    user: int
    amount: Decimal
    expires_at: object
    state: str = OPEN
    gateway: PaymentStatus | None = None
    seen: bool = False  # the gateway saw a payment (the recharge is ``processing``)
    purchase: str | None = None  # the purchase this invoice pays for
    credited: Decimal = ZERO
    webhooks: int = 0  # verified webhooks received for it, copies included
    order: tuple[int, Decimal] | None = None  # the stars and confirmed price of an order waiting for this top-up
    order_funded: bool = False  # credited in full while the order waited
    order_seen: bool = False  # the order's fate (placed or dropped) was observed


@attrs.define
class Purchase:
    tx_id: str
    user: int
    price: Decimal
    status: TxStatus
    funded: bool
    unknown_seen: bool = False
    refused_by_operator: bool = False  # an operator's verdict, checked against the provider's orders
    months: int | None = None  # a Telegram Premium gift: how many months (None: stars)


@attrs.define
class Code:
    """A promo code as the model knows it: its terms, and its uses counted by the model alone."""

    kind: PromoKind
    amount: Decimal | None = None
    percent: Decimal | None = None
    cap: Decimal | None = None
    max_uses: int | None = None
    once: bool = True
    expires_in: timedelta | None = None
    disabled: bool = False
    uses: int = 0
    users: set[int] = attrs.Factory(set)


CODES = {
    "GIFT3": Code(PromoKind.BONUS, amount=Decimal(3), max_uses=2),
    "MANY": Code(PromoKind.BONUS, amount=Decimal(1), once=False),
    "SOON": Code(PromoKind.BONUS, amount=Decimal(2), expires_in=timedelta(minutes=30)),
    "GONE": Code(PromoKind.BONUS, amount=Decimal(4), disabled=True),
    "SAVE20": Code(PromoKind.DISCOUNT, percent=Decimal(20), cap=Decimal("0.50"), max_uses=1),
    "LAST1": Code(PromoKind.BONUS, amount=Decimal(1), max_uses=1),  # used up by its first redemption
}
# as users type them: other case, unknown, not a code at all (a space, full-width letters)
TYPED = ("GIFT3", "gift3", "MANY", "SOON", "GONE", "SAVE20", "LAST1", "NOPE", "bad code!", "\uff27\uff29\uff26\uff343")
REFERRAL_PERCENT = Decimal(10)
# a referral code as users arrive with it: a user's own (by id), one of nobody, not a code at all
ARRIVALS = (*USERS, *USERS, "zz", "ref_11", "not a code!")
PROMO_ERRORS = (UnknownPromoCode, PromoNotApplicable, PromoDisabled, PromoExpired, PromoAlreadyUsed, PromoUsedUp)


def stale(prior: PaymentStatus | None, status: PaymentStatus) -> bool:
    if prior is None or status.credits:
        return False
    return status.rank < prior.rank or (prior.credits and not status.is_refund)


class LedgerMachine(RuleBasedStateMachine):
    recharges = Bundle("recharges")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.amount = dict.fromkeys(USERS, ZERO)
        self.held = dict.fromkeys(USERS, ZERO)
        self.model_recharges: dict[str, Recharge] = {}
        self.purchases: dict[str, Purchase] = {}
        self.keyed: dict[tuple[int, str], tuple[object, str]] = {}  # (user, key) -> (request, tx id); any kind
        self.codes = {name: attrs.evolve(code, users=set()) for name, code in CODES.items()}
        self.promo_credits = 0
        self.referrer: dict[int, int] = {}  # user -> the user who invited them
        self.referral_rewards = 0
        self.price_per_star: str | None = None  # the operator's override; None: the configured price
        self.paused = False  # maintenance: no new purchase

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.loop.close()

    def build(self, policy: UnderpaymentPolicy):
        """The shop under test; the Postgres machine overrides this."""
        return build_in_memory_shop(underpayment=policy, config=self.config())

    @staticmethod
    def config():
        return default_config(referral_percent=REFERRAL_PERCENT)

    @initialize(policy=st.sampled_from(UnderpaymentPolicy))
    def start(self, policy):
        self.policy = policy
        self.shop = self.build(policy)
        for user in USERS:
            self.run(self.shop.register_user(TelegramProfile(user_id=user)))
            self.bonus(user, self.shop.money("5"))  # so that early purchases can succeed
        self.started = self.shop.clock.now()
        for name, code in self.codes.items():
            money = {"amount": code.amount, "max_discount": code.cap}
            self.run(
                self.shop.create_promo_code(
                    NewPromoCode(
                        operator_id=1,
                        code=name.lower(),
                        kind=code.kind,
                        percent=code.percent,
                        max_uses=code.max_uses,
                        once_per_user=code.once,
                        expires_at=self.started + code.expires_in if code.expires_in else None,
                        **{k: self.shop.money(str(v)) if v is not None else None for k, v in money.items()},
                    )
                )
            )
            if code.disabled:
                self.run(self.shop.disable_promo_code(name))

    # --- money in -------------------------------------------------------------------------------------------
    def keyed_request(self, user: int, kind: str, key: str | None, request: object, call):
        """Runs a request under an idempotency key: the first use creates, the same request again replays, another
        request with the key (of either kind) is refused. Returns the result, or ``None`` when nothing is new."""
        if key is None:
            return call()
        request = (kind, request)
        first = self.keyed.get((user, key))
        if first is not None and first[0] != request:
            try:
                call()
            except IdempotencyConflict:
                note(f"{kind}: idempotency conflict refused")
                return None
            raise AssertionError("another request with a used idempotency key was not refused")
        result = call()
        if first is not None:
            tx = self.made(kind, result)
            assert result.replayed
            assert tx.id == first[1]
            note(f"{kind}: idempotency replay")
            return None
        tx = self.made(kind, result)
        assert not result.replayed
        self.keyed[(user, key)] = (request, tx.id)
        return result

    def own_request(self, user: int, kind: str, key: str | None):
        """A client retrying one of its own requests of ``kind``: that request's key and what was recorded of it
        (``None`` when the user made none yet, and ``key`` stays)."""
        mine = [(k, first) for (u, k), first in self.keyed.items() if u == user and first[0][0] == kind]
        return mine[0] if mine else (key, None)

    @staticmethod
    def made(kind: str, result):
        """The transaction a request of ``kind`` made."""
        if kind == "order":
            return result.recharge
        return getattr(result, kind if kind in ("recharge", "purchase") else "transaction")

    # --- promo codes ----------------------------------------------------------------------------------------
    def promo_refusal(self, typed: str, user: int, kind: PromoKind) -> type[DomainError] | None:
        """What the shop must answer when ``user`` uses the code ``typed`` as a ``kind`` code now, in the order
        the rules are checked; ``None`` when the use is allowed."""
        code = self.codes.get(typed.upper()) if typed.isascii() else None
        if code is None:
            return UnknownPromoCode
        if code.kind is not kind:
            return PromoNotApplicable
        if code.disabled:
            return PromoDisabled
        if code.expires_in is not None and self.shop.clock.now() >= self.started + code.expires_in:
            return PromoExpired
        if code.once and user in code.users:
            return PromoAlreadyUsed
        if code.max_uses is not None and code.uses >= code.max_uses:
            return PromoUsedUp
        return None

    def promo_used(self, typed: str, user: int) -> None:
        code = self.codes[typed.upper()]
        code.uses += 1
        code.users.add(user)

    @rule(user=st.sampled_from(USERS), typed=st.sampled_from(TYPED), key=st.sampled_from(KEYS), retry=st.booleans())
    def redeem_promo(self, user, typed, key, retry=False):
        if retry:
            key, first = self.own_request(user, "promo", key)
            typed = typed if first is None else first[0][1]
        data = Redemption(user_id=user, code=typed, idempotency_key=key)
        if typed in ("bad code!", "\uff27\uff29\uff26\uff343"):
            try:
                self.run(self.shop.redeem_promo_code(data))
            except InvalidPromoCode:
                note("promo: not a code refused")
                return
            raise AssertionError(f"{typed!r} was taken for a promo code")
        new = key is None or (user, key) not in self.keyed
        refusal = self.promo_refusal(typed, user, PromoKind.BONUS) if new else None
        try:
            result = self.keyed_request(
                user, "promo", key, typed.upper(), lambda: self.run(self.shop.redeem_promo_code(data))
            )
        except PROMO_ERRORS as e:
            got = type(e)
            assert got is refusal, (typed, got, refusal)
            note(f"promo redemption refused: {got.__name__}")
            return
        assert refusal is None, (typed, refusal)
        if result is None:
            return
        assert result.transaction.type is TxType.PROMO
        self.promo_used(typed, user)
        self.amount[user] += self.codes[typed.upper()].amount
        self.promo_credits += 1
        note(f"promo redeemed{' (typed in another case)' if typed != typed.upper() else ''}")

    # --- referrals --------------------------------------------------------------------------------------------
    def attribution(self, user: int, arrival: int | str) -> Attribution:
        """What the shop must answer when ``user`` arrives with ``arrival``'s code (a user id) or a text. Users
        joined in the order of their ids (``start``), so a referrer must have a smaller id."""
        if not isinstance(arrival, int):
            return Attribution.UNKNOWN_CODE
        if arrival == user:
            return Attribution.OWN_CODE
        if user in self.referrer:
            return Attribution.ALREADY_REFERRED
        if any(p.user == user for p in self.purchases.values()):
            return Attribution.ALREADY_PURCHASED
        if arrival > user:
            return Attribution.REFERRER_JOINED_LATER
        return Attribution.ATTRIBUTED

    @rule(user=st.sampled_from(USERS), arrival=st.sampled_from(ARRIVALS), buys=st.booleans())
    def arrive_with_a_code(self, user, arrival, buys=False):
        code = referral_code(arrival) if isinstance(arrival, int) else arrival
        got = self.run(self.shop.attribute_referral(ReferralArrival(user_id=user, code=code)))
        expected = self.attribution(user, arrival)
        assert got is expected, (user, arrival, got, expected)
        if got is Attribution.ATTRIBUTED:
            assert isinstance(arrival, int)
            self.referrer[user] = arrival
            note("referral attributed")
            if buys and not self.paused:  # the invited user buys at once; its completion rewards the referrer
                self.buy_and_settle(user)
        else:
            note(f"referral refused: {got.value}")

    def buy_and_settle(self, user: int, months: int | None = None) -> None:
        """``user`` buys 50 stars (or ``months`` of Premium) from the balance, topped up by a bonus where short, and
        the worker settles it."""
        price = self.current_policy().price(50) if months is None else self.shop.premium.price(months)
        missing = price.amount - (self.amount[user] - self.held[user])
        if missing > ZERO:
            self.bonus(user, self.shop.money(str(missing)))
        self.buy(user=user, stars=50, recipient="gift_settled", by_invoice=False, key=None, months=months)
        self.run(self.shop.run_background())
        self.observe_purchases()

    @rule(user=st.sampled_from(USERS), months=st.sampled_from([None, 3, 6]))
    def buy_and_have_it_settled(self, user, months):
        """A purchase (stars or Premium) the worker settles at once, as most are."""
        if not self.paused:
            self.buy_and_settle(user, months)

    def rewarded(self, p: Purchase) -> None:
        """A completed purchase of a referred user credits its referrer the percent of its price, once."""
        referrer = self.referrer.get(p.user)
        if referrer is None:
            return
        reward = Money.rounded_down(p.price * REFERRAL_PERCENT / 100, self.shop.config.currency).amount
        assert reward > ZERO
        self.amount[referrer] += reward
        self.referral_rewards += 1
        note("referral reward credited")

    @rule(
        target=recharges,
        user=st.sampled_from(USERS),
        amount=money(min_value="1", max_value="50"),
        key=st.sampled_from(KEYS),
        retry=st.booleans(),
        # a top-up for an order refused for lack of money (its stars), part of this rule so no other rule runs less
        order=st.sampled_from([None, None, 50, 100, 700]),
        # the order was confirmed when the price was lower / an operator raises the price while it waits
        then=st.sampled_from(["paid_later", "paid_now", "confirmed_cheaper", "price_raised"]),
    )
    def create_recharge(self, user, amount, key, retry, order=None, then="paid_later"):
        made = [self.plain_recharge(user, amount, key, retry)]
        if order is not None:  # besides, not instead: the plain top-ups' branches run as often as before
            made.append(self.top_up_for_a_refused_order(user, order, then, key))
        return multiple(*[tx_id for tx_id in made if tx_id is not None])

    def plain_recharge(self, user, amount, key, retry):
        if retry:
            key, first = self.own_request(user, "recharge", key)
            amount = amount if first is None else first[0][1]
        data = CreateRechargeInput(user_id=user, amount=amount, idempotency_key=key)
        result = self.keyed_request(user, "recharge", key, amount, lambda: self.run(self.shop.create_recharge(data)))
        if result is None:
            return None
        rec = Recharge(result.recharge.id, result.recharge.order_id, user, amount.amount, result.invoice.expires_at)
        self.model_recharges[rec.tx_id] = rec
        note("recharge created")
        return rec.tx_id

    def top_up_for_a_refused_order(self, user, stars, then, key):
        """A purchase from the balance refused for lack of money: the user tops up what is missing, and the order
        waits for that top-up. None is opened while sales are paused, or for a price below today's (the user must
        confirm again); an operator may raise the price while it waits."""
        key = None if key is None else f"top-up-{key}"  # keys of their own: the other requests' replays still happen
        price = self.current_policy().price(stars).amount
        agreed = price - Decimal("0.01") if then == "confirmed_cheaper" else price
        available = self.amount[user] - self.held[user]
        data = OrderTopUp(
            user_id=user, stars=stars, recipient="gift_wait", price=self.shop.money(str(agreed)), idempotency_key=key
        )
        request = (stars, agreed)
        if (key is None or (user, key) not in self.keyed) and (self.paused or agreed < price):
            with pytest.raises(SalesSuspended if self.paused else PriceAboveConfirmed):
                self.run(self.shop.top_up_for_order(data))
            note(f"order top-up refused: {'maintenance' if self.paused else 'price above the confirmed one'}")
            return None
        result = self.keyed_request(user, "order", key, request, lambda: self.run(self.shop.top_up_for_order(data)))
        if result is None:
            return None
        recharge = result.recharge
        assert recharge.amount.amount == max(agreed - available, self.shop.config.min_recharge.amount)
        rec = Recharge(recharge.id, recharge.order_id, user, recharge.amount.amount, result.invoice.expires_at)
        rec.order = (stars, agreed)
        self.model_recharges[rec.tx_id] = rec
        note("order top-up created")
        if then == "price_raised":  # and paid in full after the raise: dropped, the top-up stays on the balance
            higher = {None: "0.02", "0.02": "0.0333"}.get(self.price_per_star, "0.05")
            self.operator_changes_settings(price=higher, paused=False)
        if then in ("paid_now", "price_raised"):
            self.webhook(rec.tx_id, PaymentStatus.PAID, rec.amount, 1)
        return rec.tx_id

    @rule(
        tx_id=recharges,
        # every status, with the ones that move money more often than their share
        status=st.sampled_from(PaymentStatus) | st.sampled_from([PaymentStatus.PAID, PaymentStatus.UNDERPAID]),
        paid=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(60), places=2),
        copies=st.integers(min_value=1, max_value=3),
    )
    def webhook(self, tx_id, status, paid, copies):
        rec = self.model_recharges[tx_id]
        message = self.shop.gateway.set_status(rec.order_id, status, paid=Money.of(paid, self.shop.config.currency))
        outcomes = [self.run(self.shop.confirm_payment(message, webhook=True)) for _ in range(copies)]
        rec.webhooks += copies
        note(f"webhook {status.value} on a {'purchase invoice' if rec.purchase else 'top-up'}")
        if copies > 1 and outcomes[0] is not PaymentOutcome.IGNORED:
            note("webhook delivered more than once")
        self.apply_status(rec, status, paid)
        if rec.order is not None:  # the worker places an order its top-up funded (or drops it)
            self.run(self.shop.run_background())
        self.observe_purchases()

    @rule(
        tx_id=recharges,
        forged=st.sampled_from(["uuid", "amount", "currency", "order"]),
        status=st.sampled_from([PaymentStatus.PAID, PaymentStatus.OVERPAID]),
    )
    def mismatched_webhook(self, tx_id, forged, status):
        """An authentic-looking notification that does not match what we stored changes no money."""
        rec = self.model_recharges[tx_id]
        real = self.shop.gateway.notification(rec.order_id, status)
        wrong = {
            "uuid": attrs.evolve(real, invoice_uuid="00000000-0000-0000-0000-000000000000"),
            "amount": attrs.evolve(real, amount=Money.of(rec.amount + 1, real.amount.currency)),
            "currency": attrs.evolve(real, amount=Money.of(rec.amount, Currency.of("EUR"))),
            "order": attrs.evolve(real, order_id=rec.order_id + "x"),
        }[forged]
        outcome = self.run(self.shop.confirm_payment(wrong, webhook=True))
        expected = PaymentOutcome.UNKNOWN_ORDER if forged == "order" else PaymentOutcome.MISMATCH
        rec.webhooks += forged != "order"  # one for an order not ours is kept nowhere
        assert outcome is expected, (forged, outcome)
        note(f"webhook mismatch ({forged}) refused")
        self.observe_purchases()

    def apply_status(self, rec: Recharge, status: PaymentStatus, paid: Decimal) -> None:
        if stale(rec.gateway, status):
            return
        rec.gateway = status
        pro_rata = self.policy is UnderpaymentPolicy.PRO_RATA
        if status.credits or (status is PaymentStatus.UNDERPAID and pro_rata):
            if rec.state in (OPEN, EXPIRED):
                credit = rec.amount if status.credits else min(paid, rec.amount)
                rec.order_funded = rec.order is not None and rec.state == OPEN and status.credits
                self.amount[rec.user] += credit
                rec.credited = credit
                rec.state = CREDITED
                if rec.purchase:
                    note(f"purchase invoice credited ({'in full' if credit == rec.amount else 'partly'})")
        elif rec.state == OPEN and status is PaymentStatus.CANCELLED:
            rec.state = FAILED if rec.seen else EXPIRED
        elif rec.state == OPEN and status in (PaymentStatus.CONFIRMING, PaymentStatus.UNDERPAID_WAITING):
            rec.seen = True
        elif rec.state == OPEN and status in (PaymentStatus.FAILED, PaymentStatus.UNDERPAID):
            rec.state = FAILED

    @rule(user=st.sampled_from(USERS), amount=money(min_value="0.01", max_value="20"))
    def bonus(self, user, amount):
        self.run(self.shop.grant_bonus(OperatorCredit(operator_id=1, user_id=user, amount=amount, reason="gift")))
        self.amount[user] += amount.amount

    @rule(user=st.sampled_from(USERS), amount=money(min_value="0.01", max_value="20"), negative=st.booleans())
    def adjust(self, user, amount, negative):
        signed = -amount if negative else amount
        available = self.amount[user] - self.held[user]
        try:
            self.run(self.shop.adjust_balance(OperatorCredit(operator_id=1, user_id=user, amount=signed, reason="fix")))
        except InsufficientFunds:
            assert negative
            assert available < amount.amount
            return
        assert not negative or available >= amount.amount
        self.amount[user] += signed.amount

    # --- shop settings --------------------------------------------------------------------------------------
    @rule(price=st.sampled_from([None, "0.02", "0.0333"]), paused=st.sampled_from([False, False, False, True]))
    def operator_changes_settings(self, price, paused):
        """An operator changes the price or maintenance at run time: the next purchase is charged at the new price,
        and none is created in maintenance (a retry of one made before still gets it)."""
        values = {"price_per_star": price, "maintenance": "true" if paused else None}
        self.run(self.shop.change_shop_settings(SettingsEdit(actor="telegram:1", values=values)))
        self.price_per_star, self.paused = price, paused

    def current_policy(self):
        policy = self.shop.policy
        return policy if self.price_per_star is None else attrs.evolve(policy, price_per_star=self.price_per_star)

    # --- money out ------------------------------------------------------------------------------------------
    @rule(
        target=recharges,
        user=st.sampled_from(USERS),
        stars=st.sampled_from([50, 100, 700]),
        recipient=st.sampled_from(["gift_one", "gift_two"]),
        by_invoice=st.booleans(),
        key=st.sampled_from(KEYS),
        retry=st.booleans(),
        promo=st.sampled_from([None, None, None, "SAVE20", "save20", "GIFT3"]),
        months=st.sampled_from([None, None, None, None, None, 3, 12]),  # mostly stars; else Telegram Premium
    )
    def buy(self, user, stars, recipient, by_invoice, key, retry=False, promo=None, months=None):
        first = None
        if retry:
            key, first = self.own_request(user, "purchase", key)
        if first is not None:
            stars, months, recipient, pay_with, promo = first[0][1]
            by_invoice = pay_with is PayWith.INVOICE
        if months is not None:
            price = self.shop.premium.price(months).amount
            item = {"product": Product.PREMIUM, "months": months}
        else:
            price = self.current_policy().price(stars).amount
            item = {"stars": stars}
        pay_with = PayWith.INVOICE if by_invoice else PayWith.BALANCE
        data = BuyStarsInput(
            user_id=user, recipient=recipient, pay_with=pay_with, idempotency_key=key, promo_code=promo, **item
        )
        available = self.amount[user] - self.held[user]
        request = (stars if months is None else None, months, recipient, pay_with, promo and promo.upper())
        new = key is None or (user, key) not in self.keyed
        if self.paused and new:
            try:
                self.run(self.shop.buy_stars(data))
            except SalesSuspended:
                note("purchase refused: maintenance")
                return multiple()
            raise AssertionError("a purchase was created in maintenance")
        refusal = self.promo_refusal(promo, user, PromoKind.DISCOUNT) if promo and new else None
        if promo and new and refusal is None:
            code = self.codes[promo.upper()]
            off = Money.rounded_down(price * code.percent / 100, self.shop.config.currency).amount
            price -= min(off, code.cap)
        try:
            result = self.keyed_request(user, "purchase", key, request, lambda: self.run(self.shop.buy_stars(data)))
        except PROMO_ERRORS as e:
            got = type(e)
            assert got is refusal, (promo, got, refusal)
            note(f"discount refused: {got.__name__}")
            return multiple()
        except InsufficientFunds:
            assert not by_invoice
            assert available < price
            note("purchase refused: insufficient funds")
            return multiple()
        if result is None:
            return multiple()
        assert refusal is None, (promo, refusal)
        assert by_invoice or available >= price
        purchase = result.purchase
        assert purchase.amount.amount == price
        if promo:
            self.promo_used(promo, user)
            note("purchase with a discount code")
        assert (purchase.product, purchase.months) == (item.get("product", Product.STARS), months)
        self.purchases[purchase.id] = Purchase(
            purchase.id, user, price, TxStatus.PENDING, funded=not by_invoice, months=months
        )
        note(f"purchase from {pay_with.value}")
        if self.price_per_star is not None:
            note("purchase at a price changed at run time")
        if months is not None:
            note(f"premium purchase from {pay_with.value}")
        if not by_invoice:
            self.held[user] += price
            return multiple()
        recharge = self.run(self.shop.invoice_of(purchase.id))
        self.model_recharges[recharge.id] = Recharge(
            recharge.id, recharge.order_id, user, price, recharge.expires_at, purchase=purchase.id
        )
        return recharge.id

    @rule(
        outcomes=st.lists(
            st.sampled_from(["delivered", "refused", "unknown", "unknown_bought"]), min_size=1, max_size=3
        )
    )
    def worker(self, outcomes):
        self.shop.delivery.script(*outcomes)
        self.run(self.shop.run_background())
        self.observe_purchases()

    @rule(minutes=st.integers(min_value=0, max_value=90), lookup_fails=st.booleans())
    def sweeps(self, minutes, lookup_fails):
        self.shop.clock.advance(timedelta(minutes=minutes))
        self.shop.delivery.lookup_fails = lookup_fails
        try:
            report = self.run(self.shop.reconcile_purchases())
        finally:
            self.shop.delivery.lookup_fails = False
        if lookup_fails and report.lookup_failed:
            note("provider lookup failed: nothing settled")
        if report.delivered:
            note("reconciled as delivered")
        self.run(self.shop.expire_stale_invoices())
        now = self.shop.clock.now()
        for rec in self.model_recharges.values():
            status = self.run(self.shop.transaction(rec.tx_id)).status
            if rec.state == OPEN and status is TxStatus.EXPIRED:
                assert now >= rec.expires_at + self.shop.config.invoice_expiry_grace
                rec.state = EXPIRED
        self.observe_purchases()

    @rule(
        user=st.sampled_from(USERS),
        bought=st.booleans(),
        wait=st.sampled_from([5, 200]),
        months=st.sampled_from([None, None, 3]),
    )
    def delivery_times_out(self, user, bought, wait, months=None):
        """A purchase (of stars or of Premium) whose provider call times out (with or without buying), then some
        time passes: the case the reconciler and operators exist for."""
        price = self.current_policy().price(50).amount if months is None else self.shop.premium.price(months).amount
        missing = price - (self.amount[user] - self.held[user])
        if missing > ZERO:
            self.bonus(user, self.shop.money(str(missing)))
        self.buy(user=user, stars=50, recipient="gift_slow", by_invoice=False, key=None, months=months)
        self.shop.delivery.script("unknown_bought" if bought else "unknown")
        self.run(self.shop.run_background())
        self.shop.delivery.outcomes.clear()
        self.observe_purchases()
        self.time_passes(wait)

    @rule(seconds=st.sampled_from([5, 90, 200, 1900]))  # either side of the lookup delay and the unknown deadline
    def time_passes(self, seconds):
        self.shop.clock.advance(timedelta(seconds=seconds))

    # --- operators inside the saga ---------------------------------------------------------------------------
    @precondition(lambda self: bool(getattr(self, "purchases", None)))
    @rule(
        data=st.data(),
        verdict=st.sampled_from(Verdict),
        right_ref=st.sampled_from([True, True, False]),
        lookup_fails=st.sampled_from([False, False, True]),
    )
    def operator_resolves(self, data, verdict, right_ref, lookup_fails):
        """An operator's verdict is applied only to an unknown outcome past its lookup delay, and only as the
        provider's order history confirms it; anything else is refused and changes nothing."""
        unresolved = sorted(t for t, p in self.purchases.items() if p.unknown_seen and not p.status.is_terminal)
        pick_unresolved = unresolved and data.draw(st.booleans(), label="an unresolved purchase")
        tx_id = data.draw(st.sampled_from(unresolved if pick_unresolved else sorted(self.purchases)))
        self.resolve(tx_id, verdict, right_ref=right_ref, lookup_fails=lookup_fails)

    @rule(user=st.sampled_from(USERS), verdict=st.sampled_from(Verdict))
    def operator_settles_a_timed_out_purchase(self, user, verdict):
        """The case operators exist for, whole: a call that timed out (having bought when the verdict is
        "delivered"), the lookup delay passed, then the verdict with the provider's own reference. Other rules reach
        it only by a long chance, which shrinks as rules are added."""
        known = set(getattr(self, "purchases", {}))
        self.delivery_times_out(user, bought=verdict is Verdict.DELIVERED, wait=200)
        new = sorted(set(self.purchases) - known)
        if new:
            self.resolve(new[-1], verdict, right_ref=True, lookup_fails=False)

    def resolve(self, tx_id: str, verdict: Verdict, *, right_ref: bool, lookup_fails: bool) -> None:
        before = self.run(self.shop.transaction(tx_id))
        bought = tx_id in self.bought()
        ref = f"Ref#{tx_id}" if right_ref else "Ref#made-up"
        wish = OperatorVerdict(tx_id=tx_id, verdict=verdict, reason="checked", ref_id=ref)
        self.shop.delivery.lookup_fails = lookup_fails
        try:
            settled = self.run(self.shop.resolve_purchase(wish))
        except (AlreadySettled, NotSettleable) as exc:
            refusal = type(exc).__name__
            settleable = not before.status.is_terminal and before.outcome_unknown and self.past_lookup(before)
            note(f"operator resolve refused: {refusal}")
            assert not settleable, refusal
            return
        except ProviderLookupFailed:
            assert lookup_fails
            note("operator resolve refused: provider lookup failed")
            return
        except ProviderHasOrder:
            assert verdict is Verdict.REFUSED and bought
            note("operator resolve refused: the provider has the order")
            return
        except ProviderHasNoOrder:
            assert verdict is Verdict.DELIVERED and (not bought or not right_ref)
            note("operator resolve refused: the provider has no such order")
            return
        finally:
            self.shop.delivery.lookup_fails = False
        assert before.outcome_unknown and self.past_lookup(before) and not lookup_fails
        if verdict is Verdict.REFUSED:
            assert not bought and settled.status is TxStatus.FAILED
            self.purchases[tx_id].refused_by_operator = True
        else:
            assert bought and right_ref and settled.status is TxStatus.COMPLETED
        note(f"operator resolve accepted: {verdict.value}")
        self.observe_purchases()

    def past_lookup(self, tx) -> bool:
        started = tx.attempt_started_at
        return started is not None and self.shop.clock.now() - started >= self.shop.config.lookup_after

    @precondition(lambda self: bool(getattr(self, "purchases", None)))
    @rule(data=st.data(), delivered=st.booleans(), same_order=st.booleans())
    def late_outcome(self, data, delivered, same_order):
        """A provider's word that arrives after the purchase ended changes no money; a contradicting one is kept
        and flagged for an operator."""
        ended = sorted(t for t, p in self.purchases.items() if p.status in (TxStatus.COMPLETED, TxStatus.FAILED))
        if not ended:
            return
        tx_id = data.draw(st.sampled_from(ended))
        before = self.run(self.shop.transaction(tx_id))
        same = same_order and before.receipt is not None
        receipt = before.receipt if same else DeliveryReceipt(ref_id=f"Ref#late-{tx_id}", tx_hash="1" * 64)
        outcome = Delivered(receipt=receipt) if delivered else Refused(reason="late refusal")
        recorded = self.run(self.shop.record_delivery(DeliveryResult(tx_id=tx_id, outcome=outcome)))
        tx = self.run(self.shop.transaction(tx_id))
        assert tx.status is self.purchases[tx_id].status
        # a refusal after completion, a delivery after a refund, or a second order for a completed purchase
        contradicts = (delivered != (tx.status is TxStatus.COMPLETED)) or (delivered and not same)
        if contradicts:
            assert recorded is Recorded.CONTRADICTED
            assert tx.flag
            note("late outcome contradicting the end: kept and flagged")
        else:
            assert recorded is Recorded.ALREADY
            note("late outcome agreeing with the end: harmless")
        self.observe_purchases()

    # --- checking what the system did with purchases ---------------------------------------------------------
    def bought(self) -> set[str]:
        return {order.receipt.ref_id.removeprefix("Ref#") for order in self.shop.delivery.orders}

    def observe_waiting_orders(self) -> None:
        """An order waiting for a top-up is placed (once, at most at its confirmed price) only if that top-up was
        credited in full while it waited; it is dropped when it was not, or when today's price is above it."""
        for rec in self.model_recharges.values():
            if rec.order is None or rec.order_seen:
                continue
            order = self.run(self.shop.waiting_order(rec.tx_id))
            assert order is not None
            placed = [t for t in self.run(self.shop.transactions()) if t.idempotency_key == order.idempotency_key]
            assert len(placed) <= 1, "an order waiting for a top-up was placed more than once"
            if order.state is OrderState.WAITING:
                assert not placed
                continue
            rec.order_seen = True
            stars, agreed = rec.order
            price = self.current_policy().price(stars).amount
            if order.state is OrderState.PLACED:
                [tx] = placed
                assert rec.order_funded, "an order was placed without its top-up credited in full"
                assert tx.id == order.purchase_id and tx.user_id == rec.user and tx.stars == stars
                assert tx.amount.amount == price <= agreed
                self.purchases[tx.id] = Purchase(tx.id, rec.user, price, TxStatus.PENDING, funded=True)
                self.held[rec.user] += price
                note("waiting order placed")
                continue
            assert not placed
            if order.reason == "price_changed":
                assert price > agreed
            elif order.reason == "not_paid":
                assert not rec.order_funded
            note(f"waiting order dropped: {order.reason}")

    def observe_purchases(self) -> None:
        self.observe_waiting_orders()
        bought = self.bought()
        for p in self.purchases.values():
            tx = self.run(self.shop.transaction(p.tx_id))
            if tx.funded and not p.funded:
                invoice = next(r for r in self.model_recharges.values() if r.purchase == p.tx_id)
                assert invoice.credited == p.price, "a purchase paid by invoice was funded by other money"
                self.held[p.user] += p.price
                p.funded = True
                note("purchase invoice funded its purchase")
            if tx.status is p.status:
                p.unknown_seen = p.unknown_seen or tx.outcome_unknown
                continue
            if tx.status is TxStatus.COMPLETED:
                assert p.tx_id in bought, "completed without the provider buying"
                self.amount[p.user] -= p.price
                self.held[p.user] -= p.price
                self.rewarded(p)
                note("purchase delivered" + (" after an unknown outcome" if p.unknown_seen else ""))
                if p.months is not None:
                    note("premium purchase delivered" + (" after an unknown outcome" if p.unknown_seen else ""))
            elif tx.status is TxStatus.FAILED:
                assert p.tx_id not in bought, "refunded stars the provider bought"
                assert not p.unknown_seen or p.refused_by_operator, "an unknown outcome was refunded unchecked"
                self.held[p.user] -= p.price
                note("purchase refused and released")
                if p.months is not None:
                    note("premium purchase refused and released")
            elif tx.status is TxStatus.CANCELLED:
                assert not p.funded
                note("purchase cancelled before it was funded")
            else:
                assert tx.status is TxStatus.PROCESSING
            p.status = tx.status
            p.unknown_seen = p.unknown_seen or tx.outcome_unknown

    @invariant()
    def balances_match_the_model(self):
        if not hasattr(self, "shop"):
            return
        for user in USERS:
            balance = self.run(self.shop.get_balance(user))
            assert balance.amount.amount == self.amount[user], user
            assert balance.held.amount == self.held[user], user
            assert ZERO <= balance.held.amount <= balance.amount.amount

    @invariant()
    def the_audit_finds_nothing(self):
        if hasattr(self, "shop"):
            assert self.run(self.shop.audit_ledger()).ok

    @invariant()
    def stars_are_never_bought_twice(self):
        if not hasattr(self, "shop"):
            return
        calls = [order.purchase_id for order in self.shop.delivery.deliver_calls]
        assert len(calls) == len(set(calls))

    @invariant()
    def the_provider_is_asked_for_what_was_bought(self):
        """A Premium gift is delivered as Premium of its months, and stars as stars: never one for the other."""
        if not hasattr(self, "shop"):
            return
        for order in self.shop.delivery.deliver_calls:
            months = self.purchases[order.purchase_id].months
            assert order.months == months, order
            assert (order.product is Product.PREMIUM) == (months is not None), order
            assert (order.stars is None) == (months is not None), order

    @invariant()
    def promo_codes_are_used_as_the_model_counts(self):
        if not hasattr(self, "shop"):
            return
        stored = {code.code: code for code in self.run(self.shop.list_promo_codes())}
        for name, code in self.codes.items():
            assert stored[name].uses == code.uses, name
            assert stored[name].max_uses is None or stored[name].uses <= stored[name].max_uses

    @invariant()
    def each_verified_webhook_of_a_recharge_is_in_its_history_once(self):
        if not hasattr(self, "shop"):
            return

        async def received(tx_id: str) -> int:
            async with self.shop.uow() as uow:
                return sum(1 + w.repeats for w in await uow.webhooks.of(tx_id))

        for rec in self.model_recharges.values():
            assert self.run(received(rec.tx_id)) == rec.webhooks, rec.tx_id

    @invariant()
    def each_credit_is_journaled_once(self):
        if not hasattr(self, "shop"):
            return
        credited = {r.tx_id for r in self.model_recharges.values() if r.state == CREDITED}
        journal = self.run(self.shop.transactions())
        completed = {t.id for t in journal if t.type.value == "recharge" and t.status is TxStatus.COMPLETED}
        assert credited == completed
        promo_credits = [t for t in journal if t.type is TxType.PROMO]
        assert len(promo_credits) == self.promo_credits
        assert all(t.status is TxStatus.COMPLETED and t.promo_code for t in promo_credits)

    @invariant()
    def each_referral_reward_is_journaled_once_for_a_completed_purchase(self):
        if not hasattr(self, "shop"):
            return
        rewards = [t for t in self.run(self.shop.transactions()) if t.type is TxType.REFERRAL]
        assert len(rewards) == self.referral_rewards
        assert len({t.reward_for for t in rewards}) == len(rewards)
        for t in rewards:
            p = self.purchases[t.reward_for]
            assert p.status is TxStatus.COMPLETED and t.status is TxStatus.COMPLETED
            assert t.user_id == self.referrer[p.user]


# The branches every run must reach: each is a rule of the ledger that an example exercised and the model checked.
MUST_RUN = (
    "recharge created",
    "webhook paid on a top-up",
    "webhook paid on a purchase invoice",
    "webhook underpaid on a purchase invoice",
    "webhook delivered more than once",
    "purchase invoice credited (in full)",
    "purchase invoice funded its purchase",
    "webhook mismatch (uuid) refused",
    "webhook mismatch (amount) refused",
    "webhook mismatch (currency) refused",
    "webhook mismatch (order) refused",
    "recharge: idempotency replay",
    "recharge: idempotency conflict refused",
    "purchase: idempotency replay",
    "purchase: idempotency conflict refused",
    "purchase from balance",
    "purchase from invoice",
    "purchase refused: insufficient funds",
    "purchase refused: maintenance",
    "purchase at a price changed at run time",
    "purchase delivered",
    "purchase delivered after an unknown outcome",
    "purchase refused and released",
    "purchase cancelled before it was funded",
    "provider lookup failed: nothing settled",
    "reconciled as delivered",
    "operator resolve accepted: refused",
    "operator resolve accepted: delivered",
    "operator resolve refused: NotSettleable",
    "operator resolve refused: AlreadySettled",
    "operator resolve refused: provider lookup failed",
    "operator resolve refused: the provider has the order",
    "operator resolve refused: the provider has no such order",
    "late outcome contradicting the end: kept and flagged",
    "late outcome agreeing with the end: harmless",
    "promo redeemed",
    "promo redeemed (typed in another case)",
    "promo: not a code refused",
    "promo: idempotency replay",
    "promo: idempotency conflict refused",
    "promo redemption refused: UnknownPromoCode",
    "promo redemption refused: PromoNotApplicable",
    "promo redemption refused: PromoDisabled",
    "promo redemption refused: PromoExpired",
    "promo redemption refused: PromoAlreadyUsed",
    "promo redemption refused: PromoUsedUp",
    "purchase with a discount code",
    "discount refused: PromoUsedUp",
    "discount refused: PromoAlreadyUsed",
    "discount refused: PromoNotApplicable",
    "referral attributed",
    "referral refused: unknown_code",
    "referral refused: own_code",
    "referral refused: already_referred",
    "referral refused: already_purchased",
    "referral refused: referrer_joined_later",
    "referral reward credited",
    "order top-up created",
    "order top-up refused: maintenance",
    "order top-up refused: price above the confirmed one",
    "waiting order placed",
    "waiting order dropped: price_changed",
    "waiting order dropped: not_paid",
    "premium purchase from balance",
    "premium purchase from invoice",
    "premium purchase delivered",
    "premium purchase delivered after an unknown outcome",
    "premium purchase refused and released",
)
SETTINGS = settings(
    max_examples=500, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def test_ledger_state_machine():
    RAN.clear()
    run_state_machine_as_test(LedgerMachine, settings=SETTINGS)
    missing = [branch for branch in MUST_RUN if RAN[branch] == 0]
    assert not missing, f"branches no example reached: {missing}; counts: {dict(RAN)}"
