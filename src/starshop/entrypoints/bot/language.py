"""The user's language: chosen with /lang and remembered in the FSM storage, else their Telegram language."""

from __future__ import annotations

from aiogram.fsm.storage.base import BaseStorage, StorageKey
from dishka import AsyncContainer

from starshop.adapters.telegram.i18n import pick_language
from starshop.adapters.telegram.notifier import LanguageOf
from starshop.application.ports import UnitOfWork
from starshop.application.use_cases.get_user import GetUser

DESTINY = "starshop_lang"


def _key(bot_id: int, user_id: int) -> StorageKey:
    # Kept apart from dialog data (its own destiny), so finishing a dialog never forgets the language.
    return StorageKey(bot_id=bot_id, chat_id=user_id, user_id=user_id, destiny=DESTINY)


async def remembered_language(storage: BaseStorage, bot_id: int, user_id: int) -> str | None:
    lang = (await storage.get_data(_key(bot_id, user_id))).get("lang")
    return str(lang) if lang else None


async def remember_language(storage: BaseStorage, bot_id: int, user_id: int, lang: str) -> None:
    await storage.set_data(_key(bot_id, user_id), {"lang": pick_language(lang)})


def language_lookup(storage: BaseStorage, bot_id: int, container: AsyncContainer) -> LanguageOf:
    """For the notifier: the remembered choice, else the language of the user's stored Telegram profile."""

    async def language_of(user_id: int) -> str | None:
        lang = await remembered_language(storage, bot_id, user_id)
        if lang is not None:
            return lang
        async with container() as scope:
            user = await GetUser(await scope.get(UnitOfWork))(user_id)
        return user.language_code if user else None

    return language_of
