"""The one small base every device class builds on.

A device owns one worker thread. All I/O with the hardware happens there, so nothing the UI thread
does ever waits on a serial port; the UI asks for work with :meth:`Device.call` and hears back through
subscribed listeners (the app marshals those onto Kivy's clock). The worker also owns the
connection's life: when the transport fails (cable pulled, USB re-enumerated, TCP reset) the device
reports ``offline`` or ``noDevice`` and keeps trying to reconnect with capped backoff, so a replug
needs no restart of the app.
"""
from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable

from .errors import DeviceError, DeviceNotConnected
from .status import DeviceEvent, DeviceState, StatusChanged

Listener = Callable[[Any], None]
log = logging.getLogger("drivers.device")


class LinkLost(DeviceError):
    """The transport itself failed: the device must be reopened."""
    code = "link_lost"
    zh = "设备连接中断"
    en = "Device connection lost"


class Device:
    """Base class. Subclasses implement ``_connect``, ``_disconnect`` and ``_poll``.

    ``_connect`` opens the transport and checks the device answers; ``_poll`` does one round of
    periodic work. Either raises :class:`LinkLost` (or ``OSError``) when the link is gone, which
    sends the worker back to reconnecting.
    """

    device_class = "device"
    poll_interval: float = 1.0

    def __init__(self, name: str, *, reconnect_min: float = 0.2, reconnect_max: float = 5.0) -> None:
        self.name = name
        self.reconnect_min = reconnect_min
        self.reconnect_max = reconnect_max
        self._status: dict[str, Any] = {"device": DeviceState.STARTING.value, **self._class_status()}
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._commands: queue.SimpleQueue[tuple[Callable[[], Any], Future]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._connected = False

    # -- subclass hooks -------------------------------------------------------------------------
    def _class_status(self) -> dict[str, Any]:
        """Class-specific status fields and their initial values."""
        return {}

    def _connect(self) -> None:
        raise NotImplementedError

    def _disconnect(self) -> None:
        raise NotImplementedError

    def _poll(self) -> None:
        """One round of periodic work; the default does nothing."""

    def _reset(self) -> None:
        """Bring the device to a known state; runs on the worker thread."""

    def _unreachable_state(self, error: BaseException) -> DeviceState:
        """Which state a failed connection attempt means (``noDevice`` when the port is absent)."""
        return DeviceState.OFFLINE

    # -- life -----------------------------------------------------------------------------------
    def open(self) -> None:
        """Start the worker; the device connects in the background and reports ``online``."""
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"device-{self.name}", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None

    def reset(self, timeout: float = 10.0) -> None:
        self.call(self._reset, timeout=timeout)

    @property
    def connected(self) -> bool:
        return self._connected

    # -- work on the worker thread --------------------------------------------------------------
    def submit(self, fn: Callable[[], Any]) -> Future:
        """Queue ``fn`` to run on the worker thread between polls."""
        future: Future = Future()
        if not self._thread or not self._thread.is_alive():
            future.set_exception(DeviceNotConnected(f"{self.name} is not open"))
            return future
        self._commands.put((fn, future))
        self._wake.set()
        return future

    def call(self, fn: Callable[[], Any], timeout: float | None = None) -> Any:
        return self.submit(fn).result(timeout)

    # -- status and events ----------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._status)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every StatusChanged and DeviceEvent, on the worker thread."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return unsubscribe

    def _set_status(self, **fields: Any) -> None:
        fields = {k: (v.value if hasattr(v, "value") else v) for k, v in fields.items()}
        with self._lock:
            changes = {k: v for k, v in fields.items() if self._status.get(k) != v}
            if not changes:
                return
            self._status.update(changes)
            snapshot = dict(self._status)
        log.info("status changed", extra={"device": self.name, "changes": changes})
        self._emit(StatusChanged(self.name, changes, snapshot))

    def _emit_event(self, kind: str, payload: Any = None, error: DeviceError | None = None) -> None:
        self._emit(DeviceEvent(self.name, kind, payload, error))

    def _emit(self, event: Any) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a listener's bug must not stop the device
                log.exception("listener failed", extra={"device": self.name})

    # -- the worker -----------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = self.reconnect_min
        while not self._stop.is_set():
            if not self._connected:
                try:
                    self._connect()
                except (DeviceError, OSError) as exc:
                    self._fail_pending(exc)
                    self._set_status(device=self._unreachable_state(exc))
                    log.warning("connect failed", extra={"device": self.name, "error": str(exc)})
                    self._wait(backoff)
                    backoff = min(backoff * 2, self.reconnect_max)
                    continue
                self._connected = True
                backoff = self.reconnect_min
                self._set_status(device=DeviceState.ONLINE)
            try:
                self._run_commands()
                if not self._stop.is_set():
                    self._poll()
            except (LinkLost, OSError) as exc:
                log.warning("link lost", extra={"device": self.name, "error": str(exc)})
                self._drop_link(exc)
                continue
            except Exception:  # a driver's unforeseen error must not end the worker for good
                log.exception("poll failed", extra={"device": self.name})
            self._wait(self.poll_interval)
        self._drop_link(None)
        self._fail_pending(DeviceNotConnected(f"{self.name} closed"))

    def _drop_link(self, exc: BaseException | None) -> None:
        """Close the transport after a failure (``exc``) or on close (``None``)."""
        if self._connected:
            self._connected = False
            try:
                self._disconnect()
            except Exception:
                log.exception("disconnect failed", extra={"device": self.name})
        # After a failure report what the failure means (a hardware error stays one instead of
        # flapping through offline until the next connect attempt says it again).
        self._set_status(device=DeviceState.OFFLINE if exc is None else self._unreachable_state(exc))

    def _run_commands(self) -> None:
        while True:
            try:
                fn, future = self._commands.get_nowait()
            except queue.Empty:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except (LinkLost, OSError) as exc:
                future.set_exception(exc)
                raise
            except BaseException as exc:  # delivered to the caller, never lost
                future.set_exception(exc)

    def _fail_pending(self, exc: BaseException) -> None:
        while True:
            try:
                _, future = self._commands.get_nowait()
            except queue.Empty:
                return
            if future.set_running_or_notify_cancel():
                future.set_exception(DeviceNotConnected(str(exc)))

    def _wait(self, seconds: float) -> None:
        """Sleep until the interval ends, a command arrives or the device closes."""
        if self._commands.empty():
            self._wake.wait(seconds)
        self._wake.clear()
