"""Who is calling: Telegram Mini App users (``Authorization: tma <initData>``) and operators (``X-API-Key``).

initData is checked with Telegram's algorithm: ``secret = HMAC_SHA256(key="WebAppData", msg=bot_token)``,
``hash = hex(HMAC_SHA256(key=secret, msg=data_check_string))`` where the check string is every other field as
``key=value``, sorted by key, joined by newlines; ``auth_date`` must be recent and not in the future.

The public sandbox token signs initData only where the whole shop is a sandbox; anywhere else without
``STARSHOP_BOT_TOKEN`` every Mini App request is refused (``bot_token=None``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

import attrs

from starshop.application.use_cases.register_user import TelegramProfile
from starshop.entrypoints.settings import SANDBOX_BOT_TOKEN

__all__ = [
    "SANDBOX_BOT_TOKEN",
    "Forbidden",
    "MiniAppAuth",
    "OperatorAuth",
    "Unauthorized",
    "init_data_for",
    "sign_init_data",
]

MAX_USER_ID = 2**53  # Telegram user ids fit in 52 bits; anything larger is no Telegram user
CLOCK_SKEW = 60  # seconds an auth_date may lie in the future (clocks differ a little, never by more)


class Unauthorized(Exception):
    code = "unauthorized"


class Forbidden(Exception):
    code = "forbidden"


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """What Telegram gives a Mini App: the fields plus their ``hash`` (the sandbox and tests use it)."""
    digest = hmac.new(_secret(bot_token), _check_string(fields).encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def init_data_for(user: dict[str, object], bot_token: str, *, auth_date: int | None = None) -> str:
    fields = {"auth_date": str(auth_date or int(time.time())), "query_id": "starshop", "user": json.dumps(user)}
    return sign_init_data(fields, bot_token)


@attrs.frozen
class SignedIn:
    """A verified initData: its user, and the ``start_param`` the Mini App was opened with (``startapp`` of a link)."""

    profile: TelegramProfile
    start_param: str | None = None


@attrs.frozen(kw_only=True)
class MiniAppAuth:
    bot_token: str | None = attrs.field(repr=False)
    max_age: int = 86_400
    clock: Callable[[], float] = time.time

    def user(self, authorization: str | None) -> TelegramProfile:
        return self.signed_in(authorization).profile

    def signed_in(self, authorization: str | None) -> SignedIn:
        if self.bot_token is None:
            msg = "Mini App sign-in is off: STARSHOP_BOT_TOKEN is not set"
            raise Unauthorized(msg)
        if not authorization:
            msg = "send Authorization: tma <initData>"
            raise Unauthorized(msg)
        scheme, _, init_data = authorization.partition(" ")
        if scheme.lower() != "tma" or not init_data:
            msg = "the Authorization header must be 'tma <initData>'"
            raise Unauthorized(msg)
        fields = dict(parse_qsl(init_data.strip(), keep_blank_values=True))
        given = fields.get("hash", "")
        expected = hmac.new(_secret(self.bot_token), _check_string(fields).encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            msg = "initData signature is invalid"
            raise Unauthorized(msg)
        auth_date = fields.get("auth_date", "")
        if not (auth_date.isascii() and auth_date.isdigit() and len(auth_date) <= 12):
            msg = "initData has no valid auth_date"
            raise Unauthorized(msg)
        age = self.clock() - int(auth_date)
        if age > self.max_age:
            msg = "initData is expired"
            raise Unauthorized(msg)
        if age < -CLOCK_SKEW:
            msg = "initData is dated in the future"
            raise Unauthorized(msg)
        return SignedIn(_profile(fields.get("user")), fields.get("start_param") or None)


def _profile(raw: str | None) -> TelegramProfile:
    try:
        user = json.loads(raw or "")
        user_id = user["id"]
    except (ValueError, KeyError, TypeError, RecursionError):
        msg = "initData carries no user"
        raise Unauthorized(msg) from None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id <= MAX_USER_ID:
        msg = "initData user id is invalid"
        raise Unauthorized(msg)

    def text(key: str) -> str | None:
        value = user.get(key)
        return value if isinstance(value, str) else None

    return TelegramProfile(
        user_id=user_id,
        username=text("username"),
        first_name=text("first_name"),
        last_name=text("last_name"),
        is_premium=user.get("is_premium") is True,
        language_code=text("language_code"),
    )


@attrs.frozen(kw_only=True)
class OperatorAuth:
    """Operators are the holders of an API key, and the Telegram users of ``admin_ids`` (signed in by initData)."""

    keys: frozenset[str] = attrs.field(repr=False)
    admin_ids: frozenset[int] = frozenset()

    def telegram_operator(self, profile: TelegramProfile) -> int:
        """The operator id of a Telegram user whose initData is checked already; anyone else is refused."""
        if profile.user_id not in self.admin_ids:
            msg = "this Telegram user is not an operator (STARSHOP_ADMIN_IDS)"
            raise Forbidden(msg)
        return profile.user_id

    @staticmethod
    def fingerprint(key: str | None) -> str:
        """How an audit trail names the holder of ``key`` without keeping it: the first 8 hex digits of its SHA-256."""
        return "api-key:" + hashlib.sha256((key or "").encode()).hexdigest()[:8]

    def check(self, key: str | None) -> None:
        if not key:
            msg = "send X-API-Key"
            raise Unauthorized(msg)
        if not any(hmac.compare_digest(key.encode(), known.encode()) for known in self.keys):
            msg = "this API key is not an operator key"
            raise Forbidden(msg)
