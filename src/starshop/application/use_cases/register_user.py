from __future__ import annotations

import attrs

from starshop.application.ports import Cache, Clock, UnitOfWork
from starshop.domain import Currency, User


@attrs.frozen(kw_only=True)
class TelegramProfile:
    user_id: int
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_premium: bool = False
    language_code: str | None = None


def user_cache_key(user_id: int) -> str:
    return f"user:{{u:{user_id}}}:profile"


class RegisterUser:
    """Insert or update a user from their Telegram profile and make sure they have a balance.

    - ``created_at`` is kept on update; the cached profile is invalidated after the commit.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, cache: Cache, currency: Currency) -> None:
        self._uow = uow
        self._clock = clock
        self._cache = cache
        self._currency = currency

    async def __call__(self, profile: TelegramProfile) -> User:
        now = self._clock.now()
        async with self._uow as uow:
            existing = await uow.users.get(profile.user_id)
            user = await uow.users.upsert(
                User(
                    user_id=profile.user_id,
                    username=profile.username,
                    first_name=profile.first_name,
                    last_name=profile.last_name,
                    is_premium=profile.is_premium,
                    language_code=profile.language_code,
                    created_at=existing.created_at if existing else now,
                    updated_at=now,
                )
            )
            await uow.balances.ensure(profile.user_id, self._currency)
            await uow.commit()
        await self._cache.delete(user_cache_key(profile.user_id))
        return user
