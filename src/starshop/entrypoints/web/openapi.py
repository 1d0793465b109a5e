"""The OpenAPI document's error answers: each operation lists the statuses it can answer with, every one the
``Error`` shape of ``errors.py``.

What a route's shape implies is added here: 401 behind a guard (and 403 behind the operator key), 422 where it reads
a parameter or a body, 400 where it reads a JSON body or an ``Idempotency-Key``, 500 everywhere. What its use case
can refuse a handler declares itself, ``@get(..., errors=(404, 409))``. Litestar's own error entries (a 400 with its
``status_code``/``detail`` body, which this API never sends) are removed.
"""

from __future__ import annotations

from collections.abc import Iterable

from litestar import Litestar
from litestar.openapi.spec import OpenAPI, OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Reference, Schema
from litestar.routes import HTTPRoute

from starshop.entrypoints.web.errors import STATUS_BY_CODE

ERRORS = "errors"  # the key of a handler's ``opt`` that lists the statuses its use case can answer with
REF = "#/components/schemas/"


def _codes(status: int, *more: str) -> str:
    """The stable codes answered with ``status``, from the one mapping in ``web/errors.py``."""
    return ", ".join(f"`{code}`" for code in (*(c for c, s in STATUS_BY_CODE.items() if s == status), *more))


DESCRIPTIONS = {
    400: "`idempotency_key_required`, `idempotency_key_invalid`, `http_error` (a body that is not JSON)",
    401: "`unauthorized`: credentials missing, forged or expired",
    403: "`forbidden`: an unknown API key, or a Telegram user who is not an operator",
    404: _codes(404, "not_found"),
    409: _codes(409),
    410: _codes(410),
    413: "`body_too_large`",
    422: "`validation_error` (with `fields`), `invalid_money`, `invalid_amount`, `currency_mismatch`,"
    " `invalid_star_amount`, `invalid_recipient`, `recipient_not_found`, `daily_limit_exceeded`,"
    " `operator_limit_exceeded`, `promo_code_invalid`, `promo_code_not_applicable`, `invalid_range`, `invalid_query`,"
    " `invalid_setting`, `broadcast_invalid`",
    429: _codes(429),
    500: "`internal_error`: logged with the request id",
    502: _codes(502),
    503: _codes(503),
}

_STRING = Schema(type=OpenAPIType.STRING)
SCHEMAS: dict[str, Schema] = {
    "Error": Schema(
        type=OpenAPIType.OBJECT,
        required=["error"],
        properties={"error": Reference(REF + "ErrorDetail")},
        description="Every error answer: one object under `error` with a stable `code`",
    ),
    "ErrorDetail": Schema(
        type=OpenAPIType.OBJECT,
        required=["code", "message"],
        properties={
            "code": Schema(type=OpenAPIType.STRING, description="stable: clients branch on it (see docs/api.md)"),
            "message": Schema(type=OpenAPIType.STRING, description="for people; may change"),
            "fields": Schema(
                type=OpenAPIType.ARRAY,
                items=Reference(REF + "FieldError"),
                description="`validation_error` only: what is wrong, field by field",
            ),
            "missing": Schema(
                type=OpenAPIType.STRING,
                description='`insufficient_funds` only: the amount short, an exact decimal string, e.g. "2.50"',
            ),
        },
        additional_properties=False,
    ),
    "FieldError": Schema(
        type=OpenAPIType.OBJECT,
        required=["field"],
        properties={"field": _STRING, "message": _STRING},
        additional_properties=False,
    ),
    "JsonValue": Schema(
        description="any JSON value, kept as it was stored",
        one_of=[
            Schema(type=OpenAPIType.OBJECT, additional_properties=Reference(REF + "JsonValue")),
            Schema(type=OpenAPIType.ARRAY, items=Reference(REF + "JsonValue")),
            Schema(type=[OpenAPIType.STRING, OpenAPIType.NUMBER, OpenAPIType.BOOLEAN, OpenAPIType.NULL]),
        ],
    ),
}
JSON_VALUE = "JsonValue"  # the title that marks a field as any JSON value (``views.JsonValue``)


def document_errors(app: Litestar) -> OpenAPI:
    """Builds ``app``'s OpenAPI document once (Litestar keeps it) with every operation's error answers."""
    schema = app.openapi_schema
    if schema.components.schemas is None:
        schema.components.schemas = {}
    schema.components.schemas.update(SCHEMAS)
    for component in schema.components.schemas.values():
        _json_values(component)
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format not in (schema.paths or {}):
            continue
        item = (schema.paths or {})[route.path_format]
        for handler in route.route_handlers:
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None)
                if isinstance(operation, Operation):
                    declared = handler.opt.get(ERRORS, ())
                    _answers(operation, (*_implied(operation), *declared))
    return schema


def _implied(operation: Operation) -> Iterable[int]:
    schemes = {name for requirement in operation.security or [] for name in requirement}
    if schemes:
        yield 401
    if "operatorKey" in schemes:
        yield 403
    parameters = [p for p in operation.parameters or [] if isinstance(p, Reference) or p.param_in != "header"]
    if parameters or operation.request_body is not None:
        yield 422
    headers = {p.name for p in operation.parameters or [] if not isinstance(p, Reference)}
    if operation.request_body is not None or "Idempotency-Key" in headers:
        yield 400
    yield 500


def _answers(operation: Operation, statuses: Iterable[int]) -> None:
    responses = {
        status: answer for status, answer in (operation.responses or {}).items() if not status.startswith(("4", "5"))
    }
    for status in sorted(set(statuses)):
        content = {"application/json": OpenAPIMediaType(schema=Reference(REF + "Error"))}
        responses[str(status)] = OpenAPIResponse(description=DESCRIPTIONS[status], content=content)
    operation.responses = responses


def _json_values(schema: Schema | Reference) -> None:
    """A field typed ``views.JsonValue`` (Litestar draws it as a titled empty schema) refers to the component."""
    if isinstance(schema, Reference):
        return
    for name, field in (schema.properties or {}).items():
        if isinstance(field, Schema) and field.title == JSON_VALUE:
            description = field.description
            schema.properties[name] = Schema(all_of=[Reference(REF + JSON_VALUE)], description=description)  # type: ignore[index]
