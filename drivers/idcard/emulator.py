"""A device-side GA/T 467 SAM: answers the real protocol on a pseudo-terminal or a TCP port.

It is what tests, benchmarks, simulation mode and field demos talk to. A card comes from a JSON card
file (the same keys as ``kioskctl idcard read --json``); faults are injected at run time: no card, a
card lifted mid-read, corrupted checksums, truncated frames, line noise, slow answers and SAM status
codes. ``unplug`` and ``replug`` make the port vanish and return, as a USB reader does, behind a
stable symlink like the ones udev makes in /dev/serial/by-id.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import select
import socket
import termios
import threading
import tty
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import protocol as p
from .card import PHOTO_LEN, encode_text
from .errors import FrameError, LengthError

log = logging.getLogger("drivers.idcard.emulator")

DEFAULT_SAM_ID = bytes.fromhex("0500010076c53201e8a3be0096f72100")
FAULTS = ("no_card", "lift_mid_read", "bad_checksum", "truncate", "garbage", "slow", "sam_error",
          "vendor_timeout", "drip", "silent")


@dataclass
class Faults:
    """What goes wrong next. Counters apply to that many responses, then reset themselves."""
    lift_mid_read: bool = False
    bad_checksum: int = 0
    truncate: int = 0
    garbage: int = 0
    vendor_timeout: int = 0
    delay: float = 0.0                  # seconds before every answer
    drip: bool = False                  # send answers a few bytes at a time
    sam_error: int | None = None        # answer every command with this SW3
    silent: bool = False                # swallow commands, answer nothing


def load_card(path: str | os.PathLike) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        card = json.load(fh)
    if not isinstance(card, dict):
        raise ValueError(f"{path}: a card file holds one JSON object")
    return card


def _filler(seed: str, length: int) -> bytes:
    """Deterministic stand-in bytes (WLT photo, fingerprint template) for a card file lacking them."""
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return out[:length]


class SamEmulator:
    def __init__(self, card: dict[str, Any] | None = None, *, sam_id: bytes = DEFAULT_SAM_ID,
                 faults: Faults | None = None) -> None:
        self.sam_id = sam_id
        self.faults = faults or Faults()
        self._lock = threading.RLock()
        self._card: dict[str, Any] | None = None
        self._present = False
        self._read_done = False
        self._selected = False
        self.baudrate = 115200
        self.requests = 0
        if card is not None:
            self.place(card)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._master: int | None = None
        self._slave: int | None = None
        self._listener: socket.socket | None = None
        self._conn: socket.socket | None = None
        self.link_path: Path | None = None
        self.port: str | None = None
        self._tcp_address: tuple[str, int] | None = None

    # -- the card -------------------------------------------------------------------------------
    def place(self, card: dict[str, Any] | None = None) -> None:
        """Lay a card (or the last one again) on the reader: a new presentation."""
        with self._lock:
            if card is not None:
                self._card = dict(card)
            if self._card is None:
                raise ValueError("no card to place")
            self._present = True
            self._read_done = False
            self._selected = False

    def lift(self) -> None:
        with self._lock:
            self._present = False
            self._read_done = False
            self._selected = False

    @property
    def card_present(self) -> bool:
        return self._present

    # -- protocol ------------------------------------------------------------------------------
    def answer(self, body: bytes) -> bytes:
        """The response frame to one request body (before transport faults)."""
        with self._lock:
            self.requests += 1
            req = p.parse_request(body)
            if self.faults.sam_error is not None:
                return p.response(self.faults.sam_error)
            command = (req.cmd, req.para)
            if command in (p.RESET_SAM, p.SAM_STATUS):
                return p.response(0x90)
            if command == p.SAM_ID:
                return p.response(0x90, self.sam_id)
            if command == p.FIND_CARD:
                if self._present and not self._read_done:
                    return p.response(0x9F, b"\x00\x00\x00\x00")
                return p.response(0x80)
            if command == p.SELECT_CARD:
                if self._present and not self._read_done:
                    self._selected = True
                    return p.response(0x90, bytes(8))
                return p.response(0x81)
            if command in (p.READ_TEXT_PHOTO, p.READ_TEXT_PHOTO_FINGERPRINT):
                return self._read(fingerprint=command == p.READ_TEXT_PHOTO_FINGERPRINT)
            if command == p.READ_APPENDED_ADDRESS:
                address = (self._card or {}).get("appended_address") if self._present else None
                if not address:
                    return p.response(0x91)
                encoded = address.encode("utf-16-le")[:70]
                return p.response(0x90, encoded + " ".encode("utf-16-le") * ((70 - len(encoded)) // 2))
            if req.cmd == p.SET_BAUD and req.para in p.BAUD_RATES.values():
                self.baudrate = {v: k for k, v in p.BAUD_RATES.items()}[req.para]
                return p.response(0x90)
            return p.response(0x21)

    def _read(self, *, fingerprint: bool) -> bytes:
        if not (self._present and self._selected and self._card):
            return p.response(0x41)
        if self.faults.lift_mid_read:
            self.faults.lift_mid_read = False
            self.lift()
            return p.response(0x41)
        card = self._card
        text = bytes.fromhex(card["text_hex"]) if card.get("text_hex") else encode_text(card)
        photo = base64.b64decode(card["photo_wlt"]) if card.get("photo_wlt") else _filler("photo", PHOTO_LEN)
        self._read_done = True
        self._selected = False
        if fingerprint:
            fp = _filler("fingerprint", 1024) if card.get("fingerprint") else b""
            data = b"".join(len(x).to_bytes(2, "big") for x in (text, photo, fp)) + text + photo + fp
        else:
            data = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo
        return p.response(0x90, data)

    def _respond(self, body: bytes | None, error: FrameError | None) -> list[bytes]:
        """Apply the injected faults to the answer; returns the pieces to write."""
        faults = self.faults
        if faults.silent:
            return []
        if error is not None:
            frame = p.response(0x11 if isinstance(error, LengthError) else 0x10)
        else:
            frame = self.answer(body or b"")
        if faults.vendor_timeout:
            faults.vendor_timeout -= 1
            frame = p.VENDOR_TIMEOUT
        if faults.bad_checksum:
            faults.bad_checksum -= 1
            frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
        if faults.truncate:
            faults.truncate -= 1
            frame = frame[:max(p.HEADER_LEN + 1, len(frame) // 2)]
        if faults.garbage:
            faults.garbage -= 1
            frame = bytes.fromhex("00ff13aa96aaaa0d0a") + frame
        if faults.drip:
            return [frame[i:i + 7] for i in range(0, len(frame), 7)]
        return [frame]

    # -- serving --------------------------------------------------------------------------------
    def serve_pty(self, link_path: str | os.PathLike | None = None) -> str:
        """Serve on a new pseudo-terminal; returns the port path (the symlink when given)."""
        self.link_path = Path(link_path) if link_path else None
        self._open_pty()
        self._start(self._serve_pty_loop)
        return self.port or ""

    def serve_tcp(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on TCP; returns the ``socket://host:port`` URL."""
        self._listen(host, port)
        self._start(self._serve_tcp_loop)
        return self.port or ""

    def unplug(self) -> None:
        """The reader disappears: the pty or the TCP listener closes."""
        with self._lock:
            for fd in (self._master, self._slave):
                if fd is not None:
                    os.close(fd)
            self._master = self._slave = None
            if self.link_path is not None and self.link_path.is_symlink():
                self.link_path.unlink()
            for sock in (self._conn, self._listener):
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    sock.close()
            self._conn = self._listener = None

    def replug(self) -> str:
        with self._lock:
            if self._tcp_address is not None:
                self._listen(*self._tcp_address)
            else:
                self._open_pty()
            return self.port or ""

    def stop(self) -> None:
        self._stop.set()
        self.unplug()
        for thread in self._threads:
            thread.join(2)

    def __enter__(self) -> "SamEmulator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _start(self, target) -> None:
        thread = threading.Thread(target=target, name="sam-emulator", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: bytes pass through as on a UART
        self._master, self._slave = master, slave
        path = os.ttyname(slave)
        if self.link_path is not None:
            tmp = self.link_path.with_name(self.link_path.name + ".new")
            if tmp.is_symlink():
                tmp.unlink()
            os.symlink(path, tmp)
            os.replace(tmp, self.link_path)
            path = str(self.link_path)
        self.port = path

    def _listen(self, host: str, port: int) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1)
        self._listener = listener
        self._tcp_address = listener.getsockname()[:2]
        self.port = f"socket://{self._tcp_address[0]}:{self._tcp_address[1]}"

    def _serve_pty_loop(self) -> None:
        reader = p.FrameReader()
        while not self._stop.is_set():
            fd = self._master
            if fd is None:
                self._stop.wait(0.05)  # unplugged: wait to be plugged back
                continue
            try:
                ready, _, _ = select.select([fd], [], [], 0.1)
                if not ready:
                    continue
                data = os.read(fd, 4096)
            except OSError:
                self._stop.wait(0.05)  # closed under us by unplug, or no client yet
                continue
            if not self._rate_matches():
                reader.clear()  # a UART at another rate hears only framing errors: no answer
                continue
            self._handle(reader, data, lambda chunk, fd=fd: os.write(fd, chunk))

    def _rate_matches(self) -> bool:
        """On a pty the client's line speed is visible in the shared termios settings: compare it
        with the module's rate, as a real UART's framing would."""
        try:
            speed = termios.tcgetattr(self._slave)[4] if self._slave is not None else None
        except termios.error:
            return True
        return speed is None or speed == getattr(termios, f"B{self.baudrate}", speed)

    def _serve_tcp_loop(self) -> None:
        while not self._stop.is_set():
            listener = self._listener
            if listener is None:
                self._stop.wait(0.05)
                continue
            try:
                listener.settimeout(0.1)
                conn, _ = listener.accept()
            except (socket.timeout, OSError):
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._conn = conn
            reader = p.FrameReader()
            with conn:
                while not self._stop.is_set():
                    try:
                        ready, _, _ = select.select([conn], [], [], 0.1)
                        if not ready:
                            continue
                        data = conn.recv(4096)
                    except (OSError, ValueError):  # ValueError: closed by unplug() under select
                        break
                    if not data:
                        break
                    self._handle(reader, data, conn.sendall)
            self._conn = None

    def _handle(self, reader: p.FrameReader, data: bytes, write) -> None:
        reader.feed(data)
        while True:
            error = None
            try:
                body = reader.next_frame()
            except FrameError as exc:
                body, error = None, exc
            if body is None and error is None:
                return
            pieces = self._respond(body, error)
            if self.faults.delay:
                self._stop.wait(self.faults.delay)
            try:
                for i, piece in enumerate(pieces):
                    if i and self.faults.drip:
                        self._stop.wait(0.001)
                    write(piece)
            except OSError:
                return


def apply_fault(emulator: SamEmulator, spec: str) -> None:
    """Inject a fault by name, as typed at ``kioskctl sim idcard``: ``NAME`` or ``NAME=VALUE``.

    no_card, lift_mid_read, bad_checksum[=N], truncate[=N], garbage[=N], vendor_timeout[=N],
    slow=SECONDS, sam_error=HEX, drip, silent, clear.
    """
    name, _, value = spec.strip().partition("=")
    faults = emulator.faults
    count = int(value) if value.isdigit() else 1
    if name == "no_card":
        emulator.lift()
    elif name == "lift_mid_read":
        faults.lift_mid_read = True
    elif name in ("bad_checksum", "truncate", "garbage", "vendor_timeout"):
        setattr(faults, name, count)
    elif name == "slow":
        faults.delay = float(value or 1.0)
    elif name == "sam_error":
        faults.sam_error = int(value or "60", 16)
    elif name in ("drip", "silent"):
        setattr(faults, name, value.lower() not in ("0", "off", "false"))
    elif name == "clear":
        emulator.faults = Faults()
    else:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}, clear")
