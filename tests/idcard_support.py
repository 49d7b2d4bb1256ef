"""Helpers for the ID card tests: a real emulator on a real pseudo-terminal or TCP port, and a
listener that lets a test wait for the reader's events without sleeping for a fixed time."""
from __future__ import annotations

import contextlib
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from drivers.base.status import DeviceEvent, StatusChanged
from drivers.idcard.emulator import SamEmulator, load_card
from drivers.idcard.reader import IdCardReader
from drivers.idcard.sam import SamLink

ROOT = Path(__file__).resolve().parent.parent
CARDS_DIR = ROOT / "assets" / "sim" / "cards"
CARD_FILES = sorted(CARDS_DIR.glob("*.json"))
KIOSKCTL = ([str(Path(sys.executable).with_name("kioskctl"))]
            if Path(sys.executable).with_name("kioskctl").exists()
            else [sys.executable, "-m", "provisioning.kioskctl"])
WAIT = 5.0  # generous: only a broken driver ever waits this long


def card(name: str = "resident") -> dict[str, Any]:
    return load_card(CARDS_DIR / f"{name}.json")


@contextlib.contextmanager
def pty_emulator(card_fields: dict[str, Any] | None = None, *, emulator: SamEmulator | None = None,
                 link_path: Path | None = None) -> Iterator[tuple[SamEmulator, str]]:
    emu = emulator or SamEmulator(card_fields)
    url = emu.serve_pty(link_path)
    try:
        yield emu, url
    finally:
        emu.stop()


@contextlib.contextmanager
def tcp_emulator(card_fields: dict[str, Any] | None = None, *,
                 emulator: SamEmulator | None = None) -> Iterator[tuple[SamEmulator, str]]:
    emu = emulator or SamEmulator(card_fields)
    url = emu.serve_tcp()
    try:
        yield emu, url
    finally:
        emu.stop()


@contextlib.contextmanager
def sam_link(url: str, timeout: float = 0.3, read_timeout: float = 1.0) -> Iterator[SamLink]:
    link = SamLink.open(url, timeout=timeout, read_timeout=read_timeout)
    try:
        yield link
    finally:
        link.close()


class Recorder:
    """Subscribes to a device and records every event, so a test can wait for one."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._cond = threading.Condition()

    def __call__(self, event: Any) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[Any], bool], timeout: float = WAIT, *, after: int = 0) -> Any:
        """The first recorded event (from index ``after``) matching ``predicate``; fails on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events[after:]:
                    if predicate(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching event within {timeout} s; got {self.summary()}")
                self._cond.wait(left)

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

    def of_kind(self, kind: str) -> list[DeviceEvent]:
        with self._cond:
            return [e for e in self.events if isinstance(e, DeviceEvent) and e.kind == kind]

    def states(self) -> list[str]:
        """The sequence of ``device`` states reported, in order."""
        with self._cond:
            return [e.changes["device"] for e in self.events
                    if isinstance(e, StatusChanged) and "device" in e.changes]

    def summary(self) -> list[Any]:
        with self._cond:
            return [e.changes if isinstance(e, StatusChanged) else (e.kind, getattr(e.error, "code", None))
                    for e in self.events]


def is_state(state: str) -> Callable[[Any], bool]:
    return lambda e: isinstance(e, StatusChanged) and e.changes.get("device") == state


def is_kind(kind: str) -> Callable[[Any], bool]:
    return lambda e: isinstance(e, DeviceEvent) and e.kind == kind


def wait_until(condition: Callable[[], bool], timeout: float = WAIT, what: str = "condition") -> None:
    """Poll ``condition`` until it holds; fails after ``timeout`` (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(0.01)


class CountingEmulator(SamEmulator):
    """The emulator, also recording each command (CMD, PARA) it answered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: list[tuple[int, int]] = []

    def answer(self, body: bytes) -> bytes:
        self.commands.append(tuple(body[:2]))
        return super().answer(body)

    def count(self, command: tuple[int, int]) -> int:
        return self.commands.count(command)


@contextlib.contextmanager
def opened(device: Any, state: str = "online") -> Iterator[Recorder]:
    """``device`` recorded from its first event, opened and in ``state``; closed afterwards."""
    events = Recorder()
    device.subscribe(events)
    device.open()
    try:
        events.wait_for(is_state(state))
        yield events
    finally:
        device.close()


@contextlib.contextmanager
def running_reader(url: str, **options: Any) -> Iterator[tuple[IdCardReader, Recorder]]:
    """An IdCardReader on ``url``, open and online; closed after."""
    reader = IdCardReader("idcard", url, **{"poll_interval": 0.02, "timeout": 0.3, "read_timeout": 1.0,
                                            **options})
    with opened(reader) as events:
        yield reader, events


class Sim:
    """``kioskctl sim idcard`` in its own process, driven through its standard input."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([*KIOSKCTL, "sim", "idcard", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     encoding="utf-8", cwd=ROOT)
        self._err: queue.Queue[str] = queue.Queue()
        self._out: queue.Queue[str] = queue.Queue()
        for stream, sink in ((self.proc.stderr, self._err), (self.proc.stdout, self._out)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()
        self.url = self.stdout_line()

    @staticmethod
    def _pump(stream, sink) -> None:
        for line in stream:
            sink.put(line.rstrip("\n"))

    def stdout_line(self, timeout: float = 10) -> str:
        try:
            return self._out.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("the emulator printed nothing") from None

    def send(self, command: str, timeout: float = 10) -> None:
        """Send one command and wait for its acknowledgement on stderr."""
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        verb = command.split()[0]
        while True:
            try:
                line = self._err.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no acknowledgement of {command!r}") from None
            if line == f"ok: {verb}":
                return
            if line.startswith("error:"):
                raise AssertionError(line)

    def quit(self) -> int:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
            try:
                return self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode
