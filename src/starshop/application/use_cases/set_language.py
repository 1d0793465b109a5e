from __future__ import annotations

import attrs

from starshop.application.errors import UnknownUser
from starshop.application.ports import Clock, UnitOfWork
from starshop.domain import LANGUAGES, UnsupportedLanguage


@attrs.frozen(kw_only=True)
class LanguageChoice:
    user_id: int
    language: str


class SetLanguage:
    """Store the language a user chose, in the bot or the storefront: both read it from the user's row.

    - Only a language the shop speaks; only a registered user. A later profile update keeps the choice.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, choice: LanguageChoice) -> str:
        if choice.language not in LANGUAGES:
            msg = f"the shop speaks {', '.join(LANGUAGES)}, not {choice.language[:16]!r}"
            raise UnsupportedLanguage(msg)
        async with self._uow as uow:
            if not await uow.users.set_language(choice.user_id, choice.language, self._clock.now()):
                msg = f"user {choice.user_id} is not registered"
                raise UnknownUser(msg)
            await uow.commit()
        return choice.language
