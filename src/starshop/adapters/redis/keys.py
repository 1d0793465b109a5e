"""Key names. Everything about one user carries the ``{u:<id>}`` hash tag, so it lives in one cluster slot."""

from __future__ import annotations

DEFAULT_PREFIX = "starshop:"


def check_prefix(prefix: str) -> str:
    if "{" in prefix or "}" in prefix:
        msg = f"key prefix {prefix!r} must not contain braces: they would replace the hash tag"
        raise ValueError(msg)
    return prefix


def user_tag(user_id: int) -> str:
    return f"{{u:{user_id}}}"


def rate_limit_key(prefix: str, user_id: int, action: str) -> str:
    return f"{prefix}{user_tag(user_id)}:rl:{action}"


def events_channel(prefix: str, user_id: int) -> str:
    return f"{prefix}{user_tag(user_id)}:events"


def cache_key(prefix: str, key: str) -> str:
    return f"{prefix}cache:{key}"


def queue_keys(prefix: str, queue: str) -> tuple[str, str, str]:
    """ready list, processing list, leases hash: one hash tag so BLMOVE and the scripts stay in one slot."""
    base = f"{prefix}{{q:{queue}}}"
    return f"{base}:ready", f"{base}:processing", f"{base}:leases"
