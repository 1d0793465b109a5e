"""The OpenAPI document a front end is generated from: every answer typed (no free-form object anywhere), and
every error an operation can answer with documented as the one ``Error`` shape the API sends."""

import asyncio

import httpx
import pytest

from starshop.entrypoints.web import create_app
from starshop.testing import build_in_memory_shop
from tests.support import serving

COMBINATORS = ("allOf", "oneOf", "anyOf")


@pytest.fixture(scope="module")
def schema():
    async def fetch():
        app = create_app(build_in_memory_shop().container, sandbox=True)
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
            return (await client.get("/api/v1/schema/openapi.json")).json()

    return asyncio.run(fetch())


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def untyped(node, where: str):
    """Where a schema lets anything through: no schema at all, an empty one, or an object whose members are
    neither listed (``properties``) nor typed (``additionalProperties`` with a schema)."""
    if not isinstance(node, dict) or not node:
        yield where
        return
    if "$ref" in node:
        return
    kinds = node.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    members = node.get("additionalProperties")
    if "object" in kinds and not node.get("properties") and not (isinstance(members, dict) and members):
        yield where
    if not any(k in node for k in ("type", "$ref", "const", "enum", *COMBINATORS)):
        yield where
    for name, member in (node.get("properties") or {}).items():
        yield from untyped(member, f"{where}.{name}")
    if isinstance(members, dict) and members:
        yield from untyped(members, f"{where}{{}}")
    if "items" in node:
        yield from untyped(node["items"], f"{where}[]")
    for combinator in COMBINATORS:
        for i, option in enumerate(node.get(combinator, [])):
            yield from untyped(option, f"{where}.{combinator}[{i}]")


def test_no_answer_and_no_component_is_a_free_form_object(schema):
    found = []
    for name, operation in operations(schema):
        for status, answer in operation["responses"].items():
            for media, content in (answer.get("content") or {}).items():
                found += untyped(content.get("schema"), f"{name} {status} {media}")
            if not answer.get("content") and status != "204":
                found.append(f"{name} {status}: no body documented")
    for component, definition in schema["components"]["schemas"].items():
        found += untyped(definition, component)
    assert found == []


def test_the_walk_catches_what_it_must():
    assert list(untyped({}, "x")) == ["x"]
    assert list(untyped({"type": "object"}, "x")) == ["x"]
    assert list(untyped({"type": "object", "additionalProperties": {}}, "x")) == ["x"]
    nested = {"type": "object", "properties": {"payload": {"description": "anything"}}}
    assert list(untyped(nested, "x")) == ["x.payload"]
    assert list(untyped({"type": "array", "items": {"type": "object"}}, "x")) == ["x[]"]
    assert list(untyped({"type": "object", "additionalProperties": {"type": "string"}}, "x")) == []


def test_the_quarantined_payload_is_any_json_value_by_name(schema):
    payload = schema["components"]["schemas"]["QuarantinedEvent"]["properties"]["payload"]
    assert payload["allOf"] == [{"$ref": "#/components/schemas/JsonValue"}]


def test_every_error_answer_is_the_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message"}
    assert {"fields", "missing"} <= set(detail["properties"])
    for name, operation in operations(schema):
        errors = {s: a for s, a in operation["responses"].items() if s[0] in "45"}
        assert "500" in errors, name
        for status, answer in errors.items():
            assert answer["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}, (
                name,
                status,
            )
            assert answer["description"], (name, status)


def test_each_operation_lists_the_errors_it_can_answer_with(schema):
    for name, operation in operations(schema):
        statuses = set(operation["responses"])
        schemes = {scheme for requirement in operation.get("security", []) for scheme in requirement}
        inputs = [p for p in operation.get("parameters", []) if p["in"] != "header"]
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if schemes:
            assert "401" in statuses, name
        if "operatorKey" in schemes:
            assert "403" in statuses, name
        if inputs or "requestBody" in operation:
            assert "422" in statuses, name
        if "Idempotency-Key" in headers:
            assert {"400", "409"} <= statuses, name
        if "{" in name and name.startswith(("GET", "POST /api")):
            assert "404" in statuses, name
    responses = {name: set(operation["responses"]) for name, operation in operations(schema)}
    for money in ("POST /api/v1/purchases", "POST /api/v1/recharges"):
        assert {"429", "502", "503"} <= responses[money], money
    assert "409" in responses["POST /api/v1/admin/purchases/{tx_id}/resolve"]
    assert {"400", "401", "403", "413"} <= responses["POST /webhooks/heleket"]


async def test_the_errors_the_api_sends_have_the_documented_shape():
    app = create_app(build_in_memory_shop().container)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        unauthorized = await client.get("/api/v1/balance")
        forbidden = await client.get("/api/v1/admin/audit", headers={"X-API-Key": "wrong"})
    for answer, status in ((unauthorized, 401), (forbidden, 403)):
        assert answer.status_code == status
        body = answer.json()
        assert set(body) == {"error"}
        assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "fields", "missing"}
