"""What every API request passes before its handler's parameters are parsed.

- Authentication as Litestar guards: a caller without valid credentials gets 401 (or 403) whatever it sends, and
  learns nothing of the routes' fields.
- A strict JSON body: Litestar converts bodies leniently (``"100"`` becomes the integer 100); here a body must
  already have its declared types, so a star count is a JSON integer and money is a string.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import ValidationException
from litestar.handlers.base import BaseRouteHandler

from starshop.application.use_cases.register_user import TelegramProfile
from starshop.entrypoints.web.auth import MiniAppAuth, OperatorAuth

Connection = ASGIConnection[Any, Any, Any, Any]
PROFILE = "starshop_profile"


async def mini_app_user(connection: Connection, _: BaseRouteHandler) -> None:
    auth = await connection.app.state.dishka_container.get(MiniAppAuth)
    connection.state[PROFILE] = auth.user(connection.headers.get("authorization"))


async def operator_key(connection: Connection, _: BaseRouteHandler) -> None:
    auth = await connection.app.state.dishka_container.get(OperatorAuth)
    auth.check(connection.headers.get("x-api-key"))


def signed_in(connection: Connection, auth: MiniAppAuth) -> TelegramProfile:
    """The profile the guard checked (checked again only for a handler mounted without the guard)."""
    profile = connection.state.get(PROFILE)
    if isinstance(profile, TelegramProfile):
        return profile
    return auth.user(connection.headers.get("authorization"))


_FIELD = re.compile(r"at `\$\.(\w+)|field `(\w+)`")


async def strict_body(request: Request[Any, Any, Any]) -> None:
    """Refuses (422) a JSON body whose values would only fit the declared body type after coercion."""
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None or not await request.body():
        return
    try:
        body = await request.json()
    except msgspec.DecodeError:  # Litestar answers the undecodable body itself
        return
    try:
        msgspec.convert(body, data.annotation, strict=True)
    except msgspec.ValidationError as exc:
        found = _FIELD.search(str(exc))
        field = (found.group(1) or found.group(2)) if found else "body"
        extra = [{"key": field, "message": str(exc).split(" - at ")[0]}]
        raise ValidationException(detail="the request is invalid", extra=extra) from None
