"""The user's language: the one they chose (stored on their user row, shared with the storefront), else their
Telegram client's. Nothing of it is kept in Redis, so it survives a flush of the dialog storage."""

from __future__ import annotations

from dishka import AsyncContainer

from starshop.adapters.telegram.notifier import LanguageOf
from starshop.application.use_cases.get_user import GetUser
from starshop.domain import User


async def stored_user(container: AsyncContainer, user_id: int) -> User | None:
    async with container() as scope:
        return await (await scope.get(GetUser))(user_id)


def language_lookup(container: AsyncContainer) -> LanguageOf:
    """For the notifier: the chosen language, else the language of the user's stored Telegram profile."""

    async def language_of(user_id: int) -> str | None:
        user = await stored_user(container, user_id)
        return user.preferred_language if user else None

    return language_of
