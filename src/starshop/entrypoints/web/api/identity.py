"""Who is calling an API route, checked before anything of the request is read.

A guard authenticates the caller (401, or 403 for an unknown operator key, whatever the request carries) and
records who it is in the connection's state; a dependency hands that identity to the handlers, which never see a
credential. A Mini App caller is the Telegram user of the initData, registered on first sight (and attributed to
the referrer whose ``ref_<code>`` is its ``start_param``, if the shop allows it); an operator on the
HTTP API is journaled as actor 0 (bot operators act under their own Telegram id).
"""

from __future__ import annotations

from typing import Any

import attrs
from dishka.integrations.litestar import FromDishka, inject
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from starshop.application.ports import Cache
from starshop.application.use_cases.attribute_referral import AttributeReferral, ReferralArrival
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile, user_cache_key
from starshop.domain import code_of_start
from starshop.entrypoints.web.auth import MiniAppAuth, OperatorAuth, Unauthorized

Connection = ASGIConnection[Any, Any, Any, Any]
PROFILE, OPERATOR, START = "starshop_profile", "starshop_operator", "starshop_start_param"
PROFILE_TTL = 300.0  # seconds a registration is trusted before the next request registers the profile again


@attrs.frozen
class Operator:
    """Who acts on an operator route; ``id`` is the actor the journal records, ``name`` the one an audit trail
    shows: ``api-key:<fingerprint>`` (never the key) or ``telegram:<id>``."""

    id: int = 0
    name: str = "api-key"


@attrs.frozen
class MiniAppCaller:
    """The Telegram user a Mini App request is signed by."""

    profile: TelegramProfile
    _register: RegisterUser
    _cache: Cache
    _attribute: AttributeReferral
    start_param: str | None = None

    async def registered(self, *, refresh: bool = False) -> TelegramProfile:
        """The caller, registered on first sight (``refresh``: again now, so the stored profile stays fresh); a
        ``ref_<code>`` start_param is offered for attribution then (it is attributed once at most)."""
        key = user_cache_key(self.profile.user_id)
        if refresh or await self._cache.get(key) is None:
            await self._register(self.profile)
            code = code_of_start(self.start_param)
            if code is not None:
                await self._attribute(ReferralArrival(user_id=self.profile.user_id, code=code))
            await self._cache.set(key, str(self.profile.user_id), ttl=PROFILE_TTL)
        return self.profile


async def mini_app_user(connection: Connection, _: BaseRouteHandler) -> None:
    auth = await connection.app.state.dishka_container.get(MiniAppAuth)
    signed = auth.signed_in(connection.headers.get("authorization"))
    connection.state[PROFILE] = signed.profile
    connection.state[START] = signed.start_param


async def operator_key(connection: Connection, _: BaseRouteHandler) -> None:
    """``X-API-Key``; or, without one, ``Authorization: tma <initData>`` of a Telegram user in ``STARSHOP_ADMIN_IDS``
    (the console opened as a Mini App), who acts under their own Telegram id as in the bot."""
    container = connection.app.state.dishka_container
    auth = await container.get(OperatorAuth)
    key, authorization = connection.headers.get("x-api-key"), connection.headers.get("authorization")
    if key is None and authorization is not None and authorization[:4].lower() == "tma ":
        profile = (await container.get(MiniAppAuth)).user(authorization)
        operator_id = auth.telegram_operator(profile)
        connection.state[OPERATOR] = Operator(operator_id, f"telegram:{operator_id}")
        return
    auth.check(key)
    connection.state[OPERATOR] = Operator(0, OperatorAuth.fingerprint(key))


def _checked(connection: Connection, key: str, kind: type[Any]) -> Any:
    """What the guard recorded; a route mounted without its guard is refused rather than served to anyone."""
    found = connection.state.get(key)
    if not isinstance(found, kind):
        msg = "this route is not behind its guard"
        raise Unauthorized(msg)
    return found


@inject
async def mini_app_caller(
    request: Request[Any, Any, Any],
    register: FromDishka[RegisterUser],
    cache: FromDishka[Cache],
    attribute: FromDishka[AttributeReferral],
) -> MiniAppCaller:
    profile: TelegramProfile = _checked(request, PROFILE, TelegramProfile)
    return MiniAppCaller(profile, register, cache, attribute, request.state.get(START))


def api_operator(request: Request[Any, Any, Any]) -> Operator:
    operator: Operator = _checked(request, OPERATOR, Operator)
    return operator
