"""The data the platform can update on a kiosk: the service catalogue and the holiday calendar.

The repository ships a version of each under ``assets/``; the platform pushes newer ones into
``$KIOSK_HOME``. A pushed catalogue that fails validation is ignored (the shipped one stays in service)
and the reason is logged for the fleet team, because a kiosk must never stop serving over bad data.
"""
from __future__ import annotations

import logging
from pathlib import Path

from flows.catalogue import DEFAULT_CATALOGUE, CatalogueError, load_catalogue
from flows.guide import Catalogue
from flows.workdays import CalendarError, WorkCalendar

from .home import kiosk_home
from .paths import ASSETS

log = logging.getLogger(__name__)
SHIPPED_CALENDAR = ASSETS / "calendar"


def pushed_catalogue_path(home: Path | None = None) -> Path:
    return (home or kiosk_home()) / "catalogue" / "services.json"


def current_catalogue(explicit: str | Path | None = None, home: Path | None = None) -> Catalogue:
    """``explicit`` (a technician's file) must load; otherwise the pushed catalogue if it loads, else
    the shipped one."""
    if explicit:
        return load_catalogue(explicit)
    pushed = pushed_catalogue_path(home)
    if pushed.exists():
        try:
            return load_catalogue(pushed)
        except CatalogueError as exc:
            log.error("pushed catalogue refused, using the shipped one",
                      extra={"event": "catalogue_refused", "reason": str(exc)})
    return load_catalogue(DEFAULT_CATALOGUE)


def current_calendar(home: Path | None = None) -> WorkCalendar:
    """The package's years, then the shipped year files, then those the platform pushed."""
    def refuse(exc: CalendarError) -> None:
        log.error("calendar file refused", extra={"event": "calendar_refused", "reason": str(exc)})

    return WorkCalendar.load([SHIPPED_CALENDAR, (home or kiosk_home()) / "calendar"], on_error=refuse)
