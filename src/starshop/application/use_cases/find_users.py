from __future__ import annotations

import re

import attrs

from starshop.application.errors import InvalidQuery
from starshop.application.ports import UnitOfWork
from starshop.domain import MAX_USER_ID, Balance, User

MAX_MATCHES = 20
_ID = re.compile(r"[0-9]{1,19}")
_NAME = re.compile(r"@?([A-Za-z0-9_]{1,32})")


@attrs.frozen(kw_only=True)
class UserMatch:
    user: User
    balance: Balance | None


class FindUsers:
    """Operators look a user up by Telegram id or by username.

    - The query is trimmed; ASCII digits are an id, anything else a username with or without ``@``, compared
      case-insensitively (a stale profile may share a name, so there can be several; at most 20, lowest id first).
    - Anything that is neither (other scripts' digits, spaces, punctuation, more than 32 letters) is refused,
      never searched for.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, query: str) -> list[UserMatch]:
        text = query.strip()
        async with self._uow as uow:
            if _ID.fullmatch(text):
                user_id = int(text)
                found = await uow.users.get(user_id) if 0 < user_id <= MAX_USER_ID else None
                users = [] if found is None else [found]
            elif name := _NAME.fullmatch(text):
                users = await uow.users.with_username(name.group(1), limit=MAX_MATCHES)
            else:
                msg = "search by a Telegram id (digits) or a username (@name: letters, digits, _; at most 32)"
                raise InvalidQuery(msg)
            return [UserMatch(user=u, balance=await uow.balances.get(u.user_id)) for u in users]
