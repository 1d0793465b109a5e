"""Heleket webhooks through the real app over real HTTP: credited exactly once, refusals change nothing."""

import asyncio
import json
from functools import partial

import httpx
import pytest
from dishka import Provider, Scope, provide

from starshop.application.ports import TransactionFilter
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile
from starshop.application.use_cases.search_transactions import SearchTransactions, TransactionSearch
from starshop.domain import TxStatus
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.runtime import closing, in_background
from starshop.entrypoints.settings import Sections
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.heleket import WebhookSettings, client_address
from starshop.testing import build_in_memory_shop, default_config, default_policy
from starshop.testing.fakes import FakeHeleket
from tests.support import free_port, heleket_settings, serving

USER = 77


class Harness:
    def __init__(self, fake: FakeHeleket, url: str, container) -> None:
        self.fake, self.url, self.container = fake, url, container

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/webhooks/heleket"

    async def recharge(self, amount: str = "12.50") -> str:
        async with self.container() as scope:
            create = await scope.get(CreateRecharge)
            result = await create(CreateRechargeInput(user_id=USER, amount=default_config().currency_money(amount)))
        return result.recharge.order_id

    async def balance(self) -> str:
        async with self.container() as scope:
            return str((await (await scope.get(GetBalance))(USER)).amount.amount)

    async def status(self, order_id: str) -> TxStatus:
        async with self.container() as scope:
            page = await (await scope.get(SearchTransactions))(
                TransactionSearch(filter=TransactionFilter(user_id=USER))
            )
        return next(tx.status for tx in page.items if tx.order_id == order_id)

    async def post(self, body: bytes, **headers: str) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.post(self.webhook_url, content=body, headers=headers)


@pytest.fixture
async def harness(stack):
    """The real app (Heleket adapter, webhook endpoint, database) on each stack, with a fake Heleket."""
    async with FakeHeleket() as fake:
        port = free_port()
        settings = heleket_settings(
            fake,
            port=port,
            invoice_lifetime=300,
            **stack,
        )
        container = build_container(settings)
        async with container() as scope:
            await (await scope.get(RegisterUser))(TelegramProfile(user_id=USER, username="payer"))
        async with serving(create_app(container), port) as url:
            yield Harness(fake, url, container)


async def test_a_paid_webhook_credits_the_stored_amount_once_despite_20_concurrent_duplicates(harness):
    order = await harness.recharge("12.50")
    harness.fake.set_status(order, "paid", payment_amount="13.1", payment_amount_usd="12.90")
    body = harness.fake.webhook_body(order)
    responses = await asyncio.gather(*(harness.post(body) for _ in range(20)))
    assert [r.status_code for r in responses] == [200] * 20
    assert sorted(r.json()["outcome"] for r in responses) == ["credited"] + ["duplicate"] * 19
    assert await harness.balance() == "12.50"


async def test_a_late_check_after_paid_is_answered_200_and_changes_nothing(harness):
    order = await harness.recharge("5")
    harness.fake.set_status(order, "paid")
    assert await harness.fake.send_webhooks(order, ["paid", "check", "process"]) == [200, 200, 200]
    assert await harness.balance() == "5.00"


async def test_intermediate_statuses_are_answered_200(harness):
    order = await harness.recharge("5")
    harness.fake.set_status(order, "process")
    assert await harness.fake.send_webhook(order) == [200]
    assert await harness.balance() == "0.00"


async def test_a_forged_signature_gets_401_and_changes_nothing(harness):
    order = await harness.recharge("5")
    harness.fake.set_status(order, "paid")
    forged = json.loads(harness.fake.webhook_body(order))
    forged["amount"] = "500.00"
    response = await harness.post(json.dumps(forged).encode())
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert await harness.balance() == "0.00"


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[1,2,3]", b'{"type":"payment"', b'{"status":"paid"}', '{"sign":"\u00e9"'.encode()],
    ids=["empty", "not-json", "not-an-object", "truncated", "unsigned", "broken-unicode"],
)
async def test_malformed_bodies_get_400_and_change_nothing(harness, body):
    await harness.recharge("5")
    response = await harness.post(body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_notification"
    assert await harness.balance() == "0.00"


async def test_an_oversized_body_gets_413(harness):
    response = await harness.post(b"{" + b" " * 70_000 + b"}")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


async def test_the_webhook_body_limit_is_the_one_the_web_side_is_given(stack):
    """One limit: a signed webhook within the configured ``max_body_bytes`` is read and credited (no second, hidden
    limit in the verifier refuses it as malformed)."""

    class LargerBodies(Provider):
        @provide(scope=Scope.APP, override=True)
        def webhook_settings(self) -> WebhookSettings:
            return WebhookSettings(max_body_bytes=256 * 1024)

    async with FakeHeleket() as fake:
        port = free_port()
        settings = heleket_settings(
            fake,
            port=port,
            **stack,
        )
        container = build_container(settings, LargerBodies())
        async with container() as scope:
            await (await scope.get(RegisterUser))(TelegramProfile(user_id=USER, username="payer"))
        async with serving(create_app(container), port) as url:
            harness = Harness(fake, url, container)
            order = await harness.recharge("5")
            harness.fake.set_status(order, "paid")
            body = harness.fake.webhook_body(order, txid="x" * 100_000)
            assert 64 * 1024 < len(body) < 256 * 1024
            response = await harness.post(body)
            assert (response.status_code, response.json().get("outcome")) == (200, "credited")
            assert await harness.balance() == "5.00"


async def test_a_webhook_for_an_order_we_do_not_know_is_answered_200_and_ignored(harness):
    order = await harness.recharge("5")
    harness.fake.set_status(order, "paid")
    from starshop.adapters.heleket import signed_webhook_body

    fields = harness.fake.invoice(order).webhook_fields()
    fields["order_id"] = "someone-else"
    body = signed_webhook_body(fields, harness.fake.payment_key)
    response = await harness.post(body)
    assert response.status_code == 200
    assert response.json()["outcome"] == "unknown_order"
    assert await harness.balance() == "0.00"


async def test_a_webhook_that_never_arrives_is_recovered_by_reconciliation(harness):
    from starshop.application.use_cases.expire_stale_invoices import ExpireStaleInvoices

    order = await harness.recharge("7")
    harness.fake.set_status(order, "paid")  # paid at Heleket, but no webhook reaches us
    async with harness.container() as scope:
        report = await (await scope.get(ExpireStaleInvoices))()
    assert (report.checked, report.credited) == (1, 1)
    assert await harness.status(order) is TxStatus.COMPLETED
    assert await harness.balance() == "7.00"
    assert await harness.fake.send_webhook(order) == [200]  # the late webhook changes nothing
    assert await harness.balance() == "7.00"


def test_the_client_address_comes_from_a_trusted_proxy_only():
    proxies = frozenset({"10.0.0.2"})
    assert client_address("203.0.113.9", "31.133.220.8", proxies) == "203.0.113.9"
    assert client_address("10.0.0.2", "31.133.220.8", proxies) == "31.133.220.8"
    assert client_address("10.0.0.2", "6.6.6.6, 31.133.220.8, 10.0.0.2", proxies) == "31.133.220.8"
    assert client_address("10.0.0.2", None, proxies) == "10.0.0.2"


async def test_a_refused_source_address_gets_403():
    webhook = WebhookSettings(allowed_sources=frozenset({"31.133.220.8"}))
    sections = Sections(policy=default_policy(), config=default_config(), database=None, webhook=webhook)
    container = build_container(sections)
    async with serving(create_app(container)) as url, httpx.AsyncClient() as client:
        response = await client.post(
            f"{url}/webhooks/heleket", content=b"{}", headers={"X-Forwarded-For": "31.133.220.8"}
        )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden_source"


async def test_a_failing_background_loop_is_logged_at_once_and_a_failing_stop_step_spares_the_rest(caplog):
    """The app's lifespan: what breaks in the background is said while the app serves; shutdown goes on."""
    container = build_in_memory_shop().container
    closed: list[str] = []

    async def broken() -> None:
        raise RuntimeError("the poller could not start")

    def stop_that_fails() -> None:
        raise RuntimeError("polling is not started")

    async def close_session() -> None:
        closed.append("session")

    poller = partial(in_background, "poller", broken, stop_that_fails)
    app = create_app(container, pieces=[partial(closing, close_session), poller])
    async with serving(app) as url, httpx.AsyncClient() as client:
        assert (await client.get(f"{url}/health/live")).status_code == 200  # the app serves on
        assert any("background task" in r.getMessage() and r.exc_info for r in caplog.records)
    assert closed == ["session"]
    assert any("shutdown step" in r.getMessage() for r in caplog.records)
