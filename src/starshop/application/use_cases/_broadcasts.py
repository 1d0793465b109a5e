"""What the broadcast use cases share: an operator's draft, as the API and the console give it."""

from __future__ import annotations

import hashlib

import attrs

from starshop.application.use_cases._operator import KEY_NAMESPACE  # broadcasts have their own table, same prefix
from starshop.domain.broadcast import Message, Segment, message_of


@attrs.frozen(kw_only=True)
class Draft:
    """A broadcast as an operator wrote it; ``message()`` checks it (``InvalidBroadcast``)."""

    operator_id: int
    text: str
    segment: Segment
    button_text: str | None = None
    button_url: str | None = None
    idempotency_key: str | None = None

    def message(self) -> Message:
        return message_of(self.text, button_text=self.button_text, button_url=self.button_url)

    @property
    def stored_key(self) -> str:
        return KEY_NAMESPACE + (self.idempotency_key or "")

    def fingerprint(self) -> str:
        """Which request made a broadcast: a key sent again with another request is refused."""
        parts = (
            str(self.operator_id),
            self.text,
            self.button_text or "",
            self.button_url or "",
            self.segment.language or "",
            str(self.segment.active_days or ""),
            str(self.segment.with_balance),
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
