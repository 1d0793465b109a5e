"""Alerts for operators: derived from flags once, conditions once per crossing, kept whatever the bot does."""

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

import attrs
import pytest
from dishka import Provider, Scope, provide

from starshop.application.errors import UnknownAlert, UnknownOutboxMessage
from starshop.application.ports import DELIVER_PURCHASE, CircuitWatch, Delivered, Released
from starshop.application.use_cases.acknowledge_alert import AcknowledgeAlert
from starshop.application.use_cases.buy_stars import BuyStarsInput
from starshop.application.use_cases.create_recharge import CreateRechargeInput
from starshop.application.use_cases.list_alerts import ListAlerts
from starshop.application.use_cases.record_delivery import DeliveryResult, Recorded
from starshop.application.use_cases.release_quarantined_event import ReleaseQuarantinedEvent
from starshop.application.use_cases.watch_operations import WatchOperations
from starshop.domain import AlertKind, DeliveryReceipt, PaymentStatus, TxStatus
from starshop.domain.events import AlertRaised, OperatorAttention
from starshop.testing import build_in_memory_shop, default_config
from starshop.testing.wiring import per_request

from .conftest import ALICE, fund


@attrs.define
class Circuits:
    states: dict[str, bool] = attrs.Factory(dict)

    def open_circuits(self) -> Mapping[str, bool]:
        return dict(self.states)


class CircuitsProvider(Provider):
    def __init__(self, circuits: Circuits) -> None:
        super().__init__()
        self.circuits = circuits

    @provide(scope=Scope.APP, override=True)
    def watch(self) -> CircuitWatch:
        return self.circuits


@pytest.fixture
def circuits():
    return Circuits()


@pytest.fixture
def shop(circuits):
    return build_in_memory_shop(
        config=default_config(wallet_floor=Decimal(100)), overrides=[CircuitsProvider(circuits)]
    )


async def watch(shop):
    report = await per_request(shop.container, WatchOperations, WatchOperations.__call__)()
    await shop.relay_outbox()
    return report


async def alerts(shop, **kwargs):
    return await per_request(shop.container, ListAlerts, ListAlerts.__call__)(**kwargs)


def told(shop, kind):
    return [e for e in shop.notifier.sent if isinstance(e, kind)]


def buy(stars=100):
    return BuyStarsInput(user_id=ALICE, stars=stars, recipient="@bob_the_user")


async def test_a_purchase_flagged_past_the_deadline_is_one_alert_told_once(shop, alice):
    await fund(shop, alice, "10")
    shop.delivery.script("unknown")
    purchase = (await shop.buy_stars(buy())).purchase
    await shop.run_background()
    shop.clock.advance(timedelta(minutes=31))
    await shop.reconcile_purchases()
    await shop.relay_outbox()
    await shop.reconcile_purchases()
    await shop.relay_outbox()
    [alert] = await alerts(shop)
    assert (alert.kind, alert.subject, alert.user_id) == (AlertKind.FLAGGED, purchase.id, ALICE)
    assert "deadline" in alert.text
    assert len(told(shop, OperatorAttention)) == 1


async def test_a_contradicting_outcome_is_an_alert_of_its_own_kind(shop, alice):
    await fund(shop, alice, "10")
    shop.delivery.script("refused")
    purchase = (await shop.buy_stars(buy())).purchase
    await shop.run_background()
    assert (await shop.transaction(purchase.id)).status is TxStatus.FAILED
    receipt = DeliveryReceipt(ref_id="Ref#late", tx_hash="0" * 64, cost="0.5")
    result = DeliveryResult(tx_id=purchase.id, outcome=Delivered(receipt=receipt))
    assert await shop.record_delivery(result) is Recorded.CONTRADICTED
    await shop.relay_outbox()
    [alert] = await alerts(shop)
    assert alert.kind is AlertKind.CONTRADICTING_OUTCOME


async def test_a_flagged_recharge_is_an_alert_too(shop, alice):
    made = await shop.create_recharge(CreateRechargeInput(user_id=ALICE, amount=shop.money("10")))
    await shop.confirm_payment(shop.gateway.set_status(made.recharge.order_id, PaymentStatus.LOCKED))
    await shop.relay_outbox()
    [alert] = await alerts(shop)
    assert (alert.kind, alert.subject) == (AlertKind.FLAGGED, made.recharge.id)


async def test_the_wallet_near_its_floor_alerts_once_per_crossing(shop):
    shop.delivery.wallet = Decimal(1000)
    assert (await watch(shop)).raised == 0
    shop.delivery.wallet = Decimal(110)  # within 20 % of the floor of 100
    assert (await watch(shop)).raised == 1
    shop.delivery.wallet = Decimal(90)  # lower still, the same crossing
    assert (await watch(shop)).raised == 0
    shop.delivery.wallet = None  # unreadable: nothing changes
    assert (await watch(shop)).cleared == 0
    shop.delivery.wallet = Decimal(500)
    assert (await watch(shop)).cleared == 1
    shop.delivery.wallet = Decimal(100)
    assert (await watch(shop)).raised == 1
    second, first = await alerts(shop)
    assert (first.kind, first.cleared_at is not None, second.cleared_at) == (AlertKind.WALLET_LOW, True, None)
    assert "110" in first.text
    assert [e.alert for e in told(shop, AlertRaised)] == ["wallet_low", "wallet_low"]


async def test_a_wallet_that_cannot_be_read_raises_no_alert_and_breaks_nothing(shop):
    async def broken():
        raise ConnectionError

    shop.delivery.wallet_balance = broken
    assert (await watch(shop)).raised == 0


async def test_a_breaker_alerts_once_per_opening(shop, circuits):
    circuits.states = {"fragment": False, "heleket": False}
    assert (await watch(shop)).raised == 0
    circuits.states["fragment"] = True
    assert (await watch(shop)).raised == 1
    assert (await watch(shop)).raised == 0  # still open: the same opening
    circuits.states["fragment"] = False
    assert (await watch(shop)).cleared == 1
    circuits.states["fragment"] = True
    assert (await watch(shop)).raised == 1
    assert [a.key for a in await alerts(shop)] == ["circuit_open:fragment:2", "circuit_open:fragment:1"]
    assert len(told(shop, AlertRaised)) == 2


async def test_an_alert_the_bot_cannot_send_is_kept_and_the_money_events_flow(shop, alice):
    await fund(shop, alice, "10")
    shop.delivery.script("unknown")
    await shop.buy_stars(buy())
    await shop.run_background()
    shop.clock.advance(timedelta(minutes=31))
    await shop.reconcile_purchases()
    await shop.buy_stars(buy(stars=50))  # a purchase queued beside the flag
    shop.notifier.fail_next = 10
    report = await shop.relay_outbox()
    assert report.failed >= 1
    assert DELIVER_PURCHASE in {task for task, _ in shop.queue.drain()}  # the delivery task went out regardless
    [alert] = await alerts(shop)  # stored before the bot was asked
    assert alert.kind is AlertKind.FLAGGED
    shop.notifier.fail_next = 0
    shop.clock.advance(timedelta(minutes=2))  # past the lease: the relay offers the flag again
    await shop.relay_outbox()
    assert len(told(shop, OperatorAttention)) == 1
    assert len(await alerts(shop)) == 1


async def test_acknowledging_takes_an_alert_off_the_unacknowledged_list_and_the_first_stands(shop, circuits):
    circuits.states = {"fragment": True}
    await watch(shop)
    [alert] = await alerts(shop, unacknowledged=True)
    ack = per_request(shop.container, AcknowledgeAlert, AcknowledgeAlert.__call__)
    seen = await ack(alert.id, operator=0)
    shop.clock.advance(timedelta(minutes=1))
    assert await ack(alert.id, operator=5) == seen
    assert await alerts(shop, unacknowledged=True) == []
    assert [a.acknowledged_by for a in await alerts(shop)] == [0]
    with pytest.raises(UnknownAlert):
        await ack(999, operator=0)


async def test_releasing_a_message_that_waits_changes_nothing_and_an_unknown_one_is_refused(shop, alice):
    await fund(shop, alice, "10")
    release = per_request(shop.container, ReleaseQuarantinedEvent, ReleaseQuarantinedEvent.__call__)
    message_id = next(iter(shop.store.tables.outbox))
    assert await release(message_id, operator=0) is Released.WAITING
    with pytest.raises(UnknownOutboxMessage):
        await release(10_000, operator=0)
