"""Commands to a GA/T 467 SAM over an open pyserial port, one request and one response at a time.

Reads ask the port for exactly the bytes the frame in progress still needs (the header, then LEN),
so a 1295-byte read costs two reads, not hundreds, and there is no fixed sleep anywhere: the port's
short timeout is only a tick at which the overall deadline is checked.
"""
from __future__ import annotations

import logging
import struct
import time

import serial

from drivers.base.ports import open_port

from . import protocol as p
from .card import IdentityCard, decode_address, decode_text, split_read_data
from .errors import FrameError, NoCard, NoResponse, NoSuchContent, SW3_FOUND, SW3_OK, TruncatedFrame, sam_error

log = logging.getLogger("drivers.idcard")
TICK = 0.05  # port read timeout: how often a wait re-checks its deadline


class SamLink:
    """A SAM on ``port``. ``timeout`` bounds ordinary commands, ``read_timeout`` the card read
    (real modules take about one second to read a card)."""

    def __init__(self, port: serial.SerialBase, *, timeout: float = 1.5, read_timeout: float = 4.0) -> None:
        self.port = port
        self.timeout = timeout
        self.read_timeout = read_timeout
        self._reader = p.FrameReader()
        self.bytes_out = 0
        self.bytes_in = 0

    @classmethod
    def open(cls, url: str, *, baudrate: int = 115200, **kwargs) -> "SamLink":
        return cls(open_port(url, baudrate=baudrate, timeout=TICK), **kwargs)

    def close(self) -> None:
        self.port.close()

    def __enter__(self) -> "SamLink":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- one exchange ---------------------------------------------------------------------------
    def transact(self, command: tuple[int, int], data: bytes = b"", *, timeout: float | None = None,
                 accept: tuple[int, ...] = (SW3_OK,)) -> p.Response:
        """Send one command and return its verified response; a SW3 not in ``accept`` raises the
        typed SAM error for it."""
        self._reader.clear()  # a late answer to an abandoned command must not pass for this one
        if self.port.in_waiting:
            self.port.reset_input_buffer()
        frame = p.request(*command, data)
        self.port.write(frame)
        self.bytes_out += len(frame)
        reply = self._receive(self.timeout if timeout is None else timeout)
        if reply.sw3 not in accept:
            raise sam_error(reply.sw3)
        return reply

    def _receive(self, timeout: float) -> p.Response:
        deadline = time.monotonic() + timeout
        reader = self._reader
        while True:
            body = reader.next_frame()
            if body is not None:
                return p.parse_response(body)
            if time.monotonic() >= deadline:
                if reader.buffered:
                    raise TruncatedFrame(f"{reader.buffered} bytes, then silence")
                raise NoResponse(f"no answer within {timeout:.1f} s")
            chunk = self.port.read(reader.needed())
            if chunk:
                self.bytes_in += len(chunk)
                reader.feed(chunk)

    # -- commands -------------------------------------------------------------------------------
    def reset_sam(self) -> None:
        self.transact(p.RESET_SAM)

    def sam_status(self) -> None:
        """Returns when the SAM reports itself ready; raises its typed error otherwise."""
        self.transact(p.SAM_STATUS)

    def sam_id(self) -> str:
        """The SAM's id in the form printed on readers: ``05.01-20101010-0012345678-1234567890``."""
        data = self.transact(p.SAM_ID).data
        if len(data) < 16:
            raise FrameError(f"SAM id of {len(data)} bytes")
        a, b, c, d, e = struct.unpack("<HHIII", data[:16])
        return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"

    def find(self) -> bool:
        """True when a card not yet read in this presentation lies on the reader."""
        try:
            self.transact(p.FIND_CARD, accept=(SW3_FOUND, SW3_OK))
        except NoCard:
            return False
        return True

    def select(self) -> bytes:
        return self.transact(p.SELECT_CARD).data

    def read(self, *, fingerprint: bool = False) -> IdentityCard:
        """Read text and photo. With ``fingerprint`` the longer read is used (some flows need to
        know a fingerprint exists); its bytes are discarded here and never stored."""
        command = p.READ_TEXT_PHOTO_FINGERPRINT if fingerprint else p.READ_TEXT_PHOTO
        reply = self.transact(command, timeout=self.read_timeout)
        text, photo, fp_len = split_read_data(reply.data, 3 if fingerprint else 2)
        card = decode_text(text, photo)
        if fingerprint:
            card.extra["fingerprint_present"] = "yes" if fp_len else "no"
        return card

    def read_appended_address(self) -> str | None:
        """The latest appended address (after a move), or ``None`` when the card has none."""
        try:
            return decode_address(self.transact(p.READ_APPENDED_ADDRESS, timeout=self.read_timeout).data)
        except NoSuchContent:
            return None

    def set_baud(self, baudrate: int) -> None:
        """Switch the module's and then the port's rate (``60 nn``)."""
        if baudrate not in p.BAUD_RATES:
            raise ValueError(f"unsupported rate {baudrate}; one of {sorted(p.BAUD_RATES)}")
        self.transact((p.SET_BAUD, p.BAUD_RATES[baudrate]))
        self.port.baudrate = baudrate

    def read_card(self, *, fingerprint: bool = False) -> IdentityCard:
        """One full find, select, read cycle; raises :class:`NoCard` when nothing is on the reader."""
        if not self.find():
            raise NoCard()
        self.select()
        return self.read(fingerprint=fingerprint)
