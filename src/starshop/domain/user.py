"""A Telegram user as the shop knows them."""

from __future__ import annotations

from datetime import datetime

import attrs

MAX_USER_ID = 2**53  # Telegram ids fit in 52 bits; anything larger is no user of ours
LANGUAGES = ("en", "ru")  # the languages the shop speaks, in the bot and the storefront


@attrs.frozen(kw_only=True)
class User:
    user_id: int
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_premium: bool = False
    language_code: str | None = None  # what the Telegram client says
    language: str | None = None  # what the user chose in the bot or the storefront; it wins over language_code
    created_at: datetime
    updated_at: datetime
    blocked_at: datetime | None = None  # a broadcast found the bot blocked; cleared when they register again

    @property
    def preferred_language(self) -> str | None:
        """The language the user chose, else what their Telegram client says."""
        return self.language or self.language_code

    @property
    def display_name(self) -> str:
        if self.username:
            return f"@{self.username}"
        return " ".join(p for p in (self.first_name, self.last_name) if p) or str(self.user_id)
