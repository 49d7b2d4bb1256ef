"""A citizen's session: who is at the screen, and the promise to forget them.

The session is the only holder of the identity read from a card. What the screens show comes from
:meth:`Session.greeting`, already masked. :meth:`Session.end` drops the identity; nothing else keeps
a reference, so once it ends no trace of the card stays in memory.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from flows.masking import mask_id_number, mask_name

log = logging.getLogger("kiosk.session")


@dataclass(frozen=True)
class Greeting:
    name: str
    id_number: str
    verified: bool


class Session:
    def __init__(self, idle_timeout: float) -> None:
        self.idle_timeout = idle_timeout
        self._identity: Any = None
        self._last_activity = 0.0
        self.started_at: float | None = None

    @property
    def active(self) -> bool:
        return self._identity is not None

    def begin(self, identity: Any) -> Greeting:
        """Start (or replace) the session with a freshly read card."""
        if self.active:
            self.end("replaced")
        self._identity = identity
        self.started_at = self._last_activity = time.monotonic()
        log.info("session started", extra={"card_type": getattr(identity.card_type, "value", None)})
        return self.greeting()

    def greeting(self) -> Greeting:
        card = self._identity
        name = card.name or card.name_en
        return Greeting(mask_name(name), mask_id_number(card.id_number), bool(card.id_number_valid))

    def touch(self) -> None:
        self._last_activity = time.monotonic()

    def seconds_left(self, now: float | None = None) -> float:
        if not self.active:
            return 0.0
        return max(0.0, self._last_activity + self.idle_timeout - (now or time.monotonic()))

    def end(self, reason: str) -> None:
        if not self.active:
            return
        self._identity = None
        self.started_at = None
        log.info("session ended", extra={"reason": reason})
