"""A notifier that keeps what it was told, for tests that check what users heard."""

from __future__ import annotations

from starshop.domain.events import Event


class RecordingNotifier:
    """Keeps what it was asked to say, once per event key (as a real notifier must)."""

    def __init__(self) -> None:
        self.sent: list[Event] = []
        self._keys: set[str] = set()
        self.fail_next = 0

    async def notify(self, event: Event) -> None:
        if self.fail_next:
            self.fail_next -= 1
            msg = "notifier is down"
            raise ConnectionError(msg)
        if event.key not in self._keys:
            self._keys.add(event.key)
            self.sent.append(event)
