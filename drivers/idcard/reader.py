"""The ID card reader as a device: watches for cards and reads each presentation once.

The worker polls find-card every ``poll_interval``. A standard SAM answers "no card" after a card
has been read until it is lifted and presented again; some modules find the same card again and
again, so the reader also remembers a digest of the last card's text and stays quiet until a poll
finds the reader empty. A card lifted mid-read becomes a ``card_error`` event; a module that stops
answering takes the device offline and into the base class's reconnect loop.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any

from drivers.base.device import Device, LinkLost
from drivers.base.errors import DeviceTimeout
from drivers.base.ports import PortUnavailable, port_missing
from drivers.base.status import DeviceState

from .errors import (CardLifted, FrameError, IdCardError, NoResponse, ReadFailed,
                     SamSelfTestFailed, SamNotAuthorised, SamStatusError, SelectFailed)
from .sam import SamLink

log = logging.getLogger("drivers.idcard")

CARD_READ = "card_read"
CARD_ERROR = "card_error"
# Errors during select/read that mean the card moved, when the module itself still answers.
_CARD_MOVED = (ReadFailed, SelectFailed, FrameError, DeviceTimeout)
_SAM_FAULTS = (SamSelfTestFailed, SamNotAuthorised)


class IdCardReader(Device):
    device_class = "idcard"

    def __init__(self, name: str, url: str, *, baudrate: int = 115200, poll_interval: float = 0.3,
                 fingerprint: bool = False, appended_address: bool = True, timeout: float = 1.5,
                 read_timeout: float = 4.0, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.url = url
        self.baudrate = baudrate
        self.poll_interval = poll_interval
        self.fingerprint = fingerprint
        self.appended_address = appended_address
        self.timeout = timeout
        self.read_timeout = read_timeout
        self.link: SamLink | None = None
        self._last_digest: bytes | None = None
        self._last_poll_error: str | None = None
        self.sam_id: str | None = None

    # -- connection -----------------------------------------------------------------------------
    def _unreachable_state(self, error: BaseException) -> DeviceState:
        if port_missing(self.url):
            return DeviceState.NO_DEVICE
        if isinstance(error, _SAM_FAULTS) or isinstance(error.__cause__, _SAM_FAULTS):
            return DeviceState.HARDWARE_ERROR
        return DeviceState.OFFLINE

    def _connect(self) -> None:
        if port_missing(self.url):
            raise PortUnavailable(f"{self.url} does not exist")
        link = SamLink.open(self.url, baudrate=self.baudrate, timeout=self.timeout,
                            read_timeout=self.read_timeout)
        try:
            link.sam_status()
            self.sam_id = link.sam_id()
        except BaseException:
            link.close()
            raise
        self.link = link
        self._last_digest = None
        self._last_poll_error = None
        log.info("reader ready", extra={"device": self.name, "port": self.url, "sam_id": self.sam_id})

    def _disconnect(self) -> None:
        if self.link is not None:
            link, self.link = self.link, None
            link.close()

    def _reset(self) -> None:
        self._require_link().reset_sam()
        self._last_digest = None

    def _require_link(self) -> SamLink:
        if self.link is None:
            raise LinkLost("not connected")
        return self.link

    # -- watching -------------------------------------------------------------------------------
    def _poll(self) -> None:
        link = self._require_link()
        try:
            present = link.find()
        except NoResponse as exc:
            raise LinkLost(str(exc)) from exc
        except (FrameError, DeviceTimeout):
            return  # line noise on a poll: the next poll asks again
        except _SAM_FAULTS as exc:  # _drop_link reports hardwareError from the cause
            self._emit_event(CARD_ERROR, error=exc)
            raise LinkLost(str(exc)) from exc
        except SamStatusError as exc:
            if exc.code != self._last_poll_error:  # a persistent code is news once, not every poll
                self._last_poll_error = exc.code
                self._emit_event(CARD_ERROR, error=exc)
            return
        self._last_poll_error = None
        if self.status()["device"] != DeviceState.ONLINE.value:
            self._set_status(device=DeviceState.ONLINE)
        if not present:
            self._last_digest = None
            return
        self._set_status(device=DeviceState.BUSY)
        try:
            self._read_presented(link)
        finally:
            if self.link is not None:
                self._set_status(device=DeviceState.ONLINE)

    def _read_presented(self, link: SamLink) -> None:
        try:
            link.select()
            card = link.read(fingerprint=self.fingerprint)
            address = link.read_appended_address() if self.appended_address else None
        except _CARD_MOVED as exc:
            self._after_failed_read(link, exc)
            return
        except IdCardError as exc:  # the card itself was refused (auth failure, unknown type)
            self._emit_event(CARD_ERROR, error=exc)
            return
        digest = hashlib.sha256(card.raw_text).digest()
        if digest == self._last_digest:
            return  # same card still lying on a module that finds it again
        self._last_digest = digest
        if address:
            card.extra["appended_address"] = address
        log.info("card read", extra={"device": self.name, "card_type": card.card_type.value,
                                      "problems": list(card.problems)})
        self._emit_event(CARD_READ, card)

    def _after_failed_read(self, link: SamLink, exc: IdCardError) -> None:
        """Tell a card moved away from a module gone silent: ask the SAM if it is still there."""
        try:
            link.sam_status()
        except (NoResponse, FrameError, DeviceTimeout) as probe:
            raise LinkLost(f"reader silent after {exc.code}: {probe}") from exc
        except SamStatusError as status:  # the module answers, but not "ready": report that
            self._emit_event(CARD_ERROR, error=status)
            return
        log.info("card moved during read", extra={"device": self.name, "cause": exc.code})
        self._emit_event(CARD_ERROR, error=CardLifted(exc.code))
