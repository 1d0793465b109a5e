"""Log a Redis outage once when it starts and once when it ends, not on every call in between."""

from __future__ import annotations

import logging

import attrs


@attrs.define
class OutageLog:
    logger: logging.Logger
    what: str
    _down: bool = attrs.field(default=False, init=False)

    def failed(self, exc: BaseException, consequence: str) -> None:
        if self._down:
            self.logger.debug("%s: redis still unavailable (%r); %s", self.what, exc, consequence)
            return
        self._down = True
        self.logger.warning("%s: redis unavailable (%r); %s", self.what, exc, consequence)

    def ok(self) -> None:
        if self._down:
            self._down = False
            self.logger.warning("%s: redis is back", self.what)

    @property
    def down(self) -> bool:
        return self._down
