from __future__ import annotations

import attrs

from starshop.application.ports import Clock, UnitOfWork
from starshop.application.use_cases._broadcasts import Draft
from starshop.domain.broadcast import Message


@attrs.frozen(kw_only=True)
class Preview:
    message: Message
    recipients: int


class PreviewBroadcast:
    """What a draft would send, checked as it would be sent, and how many users it would reach now.

    - Invalid markup, button or segment is refused here, before anything is stored or sent.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, draft: Draft) -> Preview:
        message = draft.message()
        async with self._uow as uow:
            recipients = await uow.broadcasts.count(draft.segment, self._clock.now())
        return Preview(message=message, recipients=recipients)
