"""A citizen's session: who is at the screen, and the promise to forget them.

The session is the only holder of the identity read from a card and of the application it starts.
What the screens show comes from :meth:`Session.greeting`, already masked. :meth:`Session.end` drops
the identity and abandons the application (which wipes its draft on disk); nothing else keeps a
reference, so once it ends no trace of the citizen stays in memory or on disk.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows.applicant import Applicant
from flows.application import Application, FlowError, recovery
from flows.guide import Catalogue
from flows.masking import mask_id_number, mask_name
from flows.workdays import WorkCalendar
from uplink.drafts import DraftStore

log = logging.getLogger("kiosk.session")


@dataclass(frozen=True)
class Greeting:
    name: str
    id_number: str
    verified: bool


def applicant_from_card(card: Any) -> Applicant:
    """The card as the flows know an applicant: read by the kiosk, so it stands for the ID material."""
    return Applicant(name=card.name or card.name_en or "", id_number=card.id_number or "", source="idcard",
                     sex=card.sex or "", birth=card.birth or "", nation=card.nation or "",
                     address=card.address or "")


class Session:
    def __init__(self, idle_timeout: float, catalogue: Catalogue | None = None,
                 calendar: WorkCalendar | None = None, drafts: DraftStore | None = None) -> None:
        self.idle_timeout = idle_timeout
        self.catalogue, self.calendar, self.drafts = catalogue, calendar, drafts
        self.application: Application | None = None
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
        if self.catalogue is not None and self.calendar is not None:
            self.application = self._application_for(applicant_from_card(identity))
        return self.greeting()

    def _application_for(self, applicant: Applicant) -> Application:
        """A new application, or the one this same citizen was in the middle of when the power went."""
        snapshot = self.drafts.load() if self.drafts is not None else None
        if snapshot is not None:
            same = (snapshot.get("applicant") or {}).get("id_number") == applicant.id_number
            if same and recovery(snapshot, datetime.now()) == "resume":
                try:
                    resumed = Application.restore(snapshot, self.catalogue, self.calendar, self.drafts)
                except (FlowError, KeyError, ValueError) as exc:
                    log.warning("draft not resumable, dropped", extra={"reason": type(exc).__name__})
                else:
                    log.info("application resumed", extra={"step": str(resumed.step)})
                    return resumed
            self.drafts.clear()
        application = Application(self.catalogue, self.calendar, store=self.drafts)
        application.identify(applicant)
        return application

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
        if self.application is not None:
            self.application.abandon(reason)
            self.application = None
        log.info("session ended", extra={"reason": reason})


def recover_draft(drafts: DraftStore, now: datetime | None = None) -> str:
    """At start-up, after a power cut: a recent draft waits for its citizen to lay the card again; an
    old one is wiped (they have gone); an accepted one is already in the outbox, its receipt owed."""
    snapshot = drafts.load()
    if snapshot is None:
        return "none"
    action = recovery(snapshot, now or datetime.now())
    if action != "resume":
        drafts.clear()
    log.info("draft recovered", extra={"action": action, "step": snapshot.get("step"),
                                       "application_number": snapshot.get("acceptance_number")})
    return action
