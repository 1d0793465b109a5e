"""The API's shape: one controller per area behind its group's guard, handlers handed the identity the guard checked
(never a credential), typed answers the schema documents; the caller is registered only by a request that is valid."""

import httpx
import pytest
from dishka.integrations.litestar import setup_dishka
from litestar import Controller, Litestar
from litestar.routes import HTTPRoute

from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Secret, Settings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.api.account import AccountController
from starshop.entrypoints.web.api.identity import mini_app_user, operator_key
from starshop.entrypoints.web.auth import init_data_for
from starshop.entrypoints.web.errors import EXCEPTION_HANDLERS
from starshop.testing import build_in_memory_shop
from tests.support import free_port, serving

BOT_TOKEN = "123456:test-bot-token"
OPERATOR_KEY = "operator-key-0123456789"
OP = {"X-API-Key": OPERATOR_KEY}


def api_handlers():
    app = create_app(build_in_memory_shop().container)
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/v1") and "/schema" not in route.path:
            for handler in route.route_handlers:
                if handler.http_methods != {"OPTIONS"}:  # Litestar's own answer to CORS preflights
                    yield route.path, handler


def test_every_api_route_belongs_to_a_controller_whose_guard_hands_its_handlers_the_identity():
    handlers = list(api_handlers())
    assert len(handlers) == 39
    for path, handler in handlers:
        controller = getattr(handler.fn, "__self__", None)  # Litestar mounts a controller's methods as a router
        assert isinstance(controller, Controller), path
        guard, identity = (operator_key, "operator") if path.startswith("/api/v1/admin") else (mini_app_user, "caller")
        assert handler.resolve_guards() == [guard] == controller.guards, path
        assert identity in handler.resolve_dependencies(), path


async def test_every_documented_operation_documents_its_answer_as_a_typed_body():
    container = build_in_memory_shop().container
    async with serving(create_app(container)) as url, httpx.AsyncClient(base_url=url) as client:
        schema = (await client.get("/api/v1/schema/openapi.json")).json()
    operations = [
        (path, method, operation) for path, item in schema["paths"].items() for method, operation in item.items()
    ]
    assert len(operations) == 41  # the API's 39, /health/live and /webhooks/heleket
    for path, method, operation in operations:
        success = [answer for status, answer in operation["responses"].items() if status.startswith("2")]
        body = success[0]["content"]["application/json"]["schema"]
        assert body.get("$ref", "").startswith("#/components/schemas/"), (method, path, body)
    transaction = schema["components"]["schemas"]["Transaction"]
    assert {"id", "type", "status", "amount", "currency"} <= set(transaction["required"])
    assert "stars" not in transaction["required"]  # omitted for a transaction without stars


@pytest.fixture
async def api(stack):
    port = free_port()
    settings = Settings(port=port, bot_token=Secret(BOT_TOKEN), api_keys=frozenset({Secret(OPERATOR_KEY)}), **stack)
    app = create_app(build_container(settings))
    async with serving(app, port) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        yield client


def tma(user_id: int, username: str = "newcomer") -> dict[str, str]:
    user = {"id": user_id, "username": username, "first_name": "New"}
    return {"Authorization": f"tma {init_data_for(user, BOT_TOKEN)}"}


async def test_a_signed_in_user_is_registered_on_first_sight_and_me_stores_the_profile_again(api):
    assert (await api.get("/api/v1/admin/users/5151", headers=OP)).status_code == 404
    assert (await api.get("/api/v1/balance", headers=tma(5151))).status_code == 200
    assert (await api.get("/api/v1/admin/users/5151", headers=OP)).json()["username"] == "newcomer"
    await api.get("/api/v1/balance", headers=tma(5151, "renamed"))  # within the cache's trust: not stored again
    assert (await api.get("/api/v1/admin/users/5151", headers=OP)).json()["username"] == "newcomer"
    me = await api.get("/api/v1/me", headers=tma(5151, "renamed"))
    assert me.json()["username"] == "renamed"
    assert (await api.get("/api/v1/admin/users/5151", headers=OP)).json()["username"] == "renamed"


async def test_a_quote_or_an_invalid_request_registers_nobody(api):
    assert (await api.get("/api/v1/quote", params={"stars": 50}, headers=tma(6161))).status_code == 200
    assert (await api.get("/api/v1/transactions", params={"page": 0}, headers=tma(6161))).status_code == 422
    refused = await api.post("/api/v1/recharges", json={"amount": 10}, headers=tma(6161) | {"Idempotency-Key": "k"})
    assert refused.status_code == 422
    assert (await api.get("/api/v1/admin/users/6161", headers=OP)).status_code == 404


async def test_a_mini_app_controller_mounted_without_its_guard_serves_nobody():

    class Unguarded(AccountController):
        guards = []

    container = build_in_memory_shop().container
    app = Litestar(route_handlers=[Unguarded], exception_handlers=EXCEPTION_HANDLERS)
    setup_dishka(container, app)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        answer = await client.get("/api/v1/balance", headers=tma(7171))
    await container.close()
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "this route is not behind its guard"
