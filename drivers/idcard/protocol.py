"""GA/T 467 SAM frames: building, checksumming and reassembly from a byte stream.

``AA AA AA 96 69 | LEN(2, big-endian) | body | CHK``: LEN counts the body and CHK; CHK is the XOR of
LEN and the body. A request body is CMD PARA DATA, a response body SW1 SW2 SW3 DATA. Frames arrive in
pieces and may be preceded by line noise, so :class:`FrameReader` buffers, resynchronises on the
preamble and verifies length and checksum before anything in the frame is trusted.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import xor

from .errors import ChecksumError, LengthError, VendorTimeout

PREAMBLE = b"\xAA\xAA\xAA\x96\x69"
HEADER_LEN = len(PREAMBLE) + 2
VENDOR_TIMEOUT = PREAMBLE + b"\x00\x05\x05\x05\x05"
MIN_LEN = 3          # CMD PARA CHK, the shortest request
MAX_LEN = 0x2000     # the fingerprint read is 0x090A; anything far beyond is line noise

# Commands (CMD, PARA)
RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_TEXT_PHOTO = (0x30, 0x01)
READ_APPENDED_ADDRESS = (0x30, 0x03)
READ_TEXT_PHOTO_FINGERPRINT = (0x30, 0x10)
SET_BAUD = 0x60
BAUD_RATES = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}


def checksum(data: bytes) -> int:
    return reduce(xor, data, 0)


def encode_frame(body: bytes) -> bytes:
    """Wrap ``body`` (request CMD PARA DATA or response SW1 SW2 SW3 DATA) in a frame."""
    length = len(body) + 1
    if length > 0xFFFF:
        raise ValueError("frame body too long")
    head = length.to_bytes(2, "big")
    return PREAMBLE + head + body + bytes([checksum(head + body)])


def request(cmd: int, para: int, data: bytes = b"") -> bytes:
    return encode_frame(bytes([cmd, para]) + data)


def response(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    return encode_frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes


@dataclass(frozen=True)
class Request:
    cmd: int
    para: int
    data: bytes


def parse_response(body: bytes) -> Response:
    if len(body) < 3:
        raise LengthError(f"response body of {len(body)} bytes has no status")
    return Response(body[0], body[1], body[2], bytes(body[3:]))


def parse_request(body: bytes) -> Request:
    if len(body) < 2:
        raise LengthError(f"request body of {len(body)} bytes has no command")
    return Request(body[0], body[1], bytes(body[2:]))


class FrameReader:
    """Reassembles frame bodies from arbitrary chunks of a byte stream.

    :meth:`next_frame` returns the next complete, verified body, ``None`` when more bytes are
    needed, or raises a :class:`FrameError` for a frame it has consumed and rejected (bad length,
    bad checksum) or :class:`VendorTimeout`. It never raises anything else, whatever the bytes.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.discarded = 0  # bytes skipped as noise, for diagnostics

    def feed(self, data: bytes) -> None:
        self._buf += data

    def clear(self) -> None:
        self._buf.clear()

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def needed(self) -> int:
        """How many more bytes complete the frame in progress (at least 1): lets the caller
        ask the port for exactly that much instead of spinning on small reads."""
        self._sync()
        if len(self._buf) < HEADER_LEN:
            return HEADER_LEN - len(self._buf)
        length = int.from_bytes(self._buf[5:7], "big")
        return max(1, HEADER_LEN + length - len(self._buf))

    def next_frame(self) -> bytes | None:
        self._sync()
        buf = self._buf
        if len(buf) < HEADER_LEN:
            return None
        if buf.startswith(VENDOR_TIMEOUT):
            del buf[:len(VENDOR_TIMEOUT)]
            raise VendorTimeout()
        length = int.from_bytes(buf[5:7], "big")
        if not MIN_LEN <= length <= MAX_LEN:
            del buf[:1]  # not a real frame start: resynchronise past it
            self.discarded += 1
            raise LengthError(f"LEN={length}")
        total = HEADER_LEN + length
        if len(buf) < total:
            return None
        frame = bytes(buf[:total])
        del buf[:total]
        expected = checksum(frame[5:-1])
        if frame[-1] != expected:
            raise ChecksumError(f"CHK={frame[-1]:02X}, expected {expected:02X}")
        return frame[HEADER_LEN:-1]

    def _sync(self) -> None:
        """Drop bytes before the next preamble, keeping a possible partial preamble at the end."""
        buf = self._buf
        if buf.startswith(PREAMBLE):
            return
        at = buf.find(PREAMBLE)
        if at < 0:
            keep = 0
            for n in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
                if buf.endswith(PREAMBLE[:n]):
                    keep = n
                    break
            at = len(buf) - keep
        if at:
            del buf[:at]
            self.discarded += at
