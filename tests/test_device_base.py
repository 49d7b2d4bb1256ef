"""The device base: one worker thread per device, status changes as deltas, listeners that cannot
break the device, commands that run on the worker, and a closed device that says so."""
from __future__ import annotations

import logging
import threading

import pytest

from drivers.base.device import Device, LinkLost
from drivers.base.errors import DeviceError, DeviceNotConnected
from drivers.base.status import DeviceEvent, StatusChanged

from idcard_support import Recorder, is_kind, is_state, opened, wait_until

# A thread dying in the driver or the emulator is a failure, not a warning.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")


class Lamp(Device):
    """The smallest real device: a 'lamp' whose link can be cut and whose poll emits a tick."""

    device_class = "lamp"
    poll_interval = 0.01

    def __init__(self, name: str = "lamp", **kwargs) -> None:
        super().__init__(name, reconnect_min=0.01, reconnect_max=0.02, **kwargs)
        self.reachable = True
        self.polls = 0
        self.connects = 0
        self.poll_error: BaseException | None = None

    def _class_status(self):
        return {"lamp": "off"}

    def _connect(self) -> None:
        if not self.reachable:
            raise DeviceError("lamp unreachable")
        self.connects += 1

    def _disconnect(self) -> None:
        pass

    def _poll(self) -> None:
        self.polls += 1
        error, self.poll_error = self.poll_error, None
        if error is not None:
            raise error
        self._emit_event("tick", self.polls)

    def _reset(self) -> None:
        self._set_status(lamp="off")

    def switch(self, state: str) -> str:
        """Runs on the worker: changes the class-specific status field."""
        self._set_status(lamp=state)
        return threading.current_thread().name


@pytest.fixture
def lamp():
    device = Lamp()
    with opened(device) as events:
        yield device, events


def test_initial_status_has_common_and_class_fields():
    device = Lamp()
    assert device.status() == {"device": "starting", "lamp": "off"}


def test_status_changes_carry_only_the_changed_fields(lamp):
    device, events = lamp
    mark = events.mark()
    device.call(lambda: device.switch("on"), timeout=2)
    change = events.wait_for(lambda e: isinstance(e, StatusChanged) and "lamp" in e.changes, after=mark)
    assert change.changes == {"lamp": "on"}
    assert change.status == {"device": "online", "lamp": "on"}
    assert change.device == "lamp"


def test_setting_a_field_to_its_current_value_reports_nothing(lamp):
    device, events = lamp
    device.call(lambda: device.switch("on"), timeout=2)
    mark = events.mark()
    device.call(lambda: device.switch("on"), timeout=2)
    device.call(lambda: None, timeout=2)
    assert not [e for e in events.events[mark:] if isinstance(e, StatusChanged)]


def test_status_snapshot_is_a_copy(lamp):
    device, _ = lamp
    snapshot = device.status()
    snapshot["device"] = "tampered"
    assert device.status()["device"] == "online"


def test_a_listener_that_raises_does_not_stop_the_device(caplog):
    device = Lamp()
    calls = []

    def broken(event):
        calls.append(event)
        raise RuntimeError("listener bug")

    device.subscribe(broken)
    events = Recorder()
    device.subscribe(events)
    with caplog.at_level(logging.ERROR, logger="drivers.device"):
        device.open()
        try:
            events.wait_for(is_state("online"))
            first = events.wait_for(is_kind("tick"))
            later = events.wait_for(lambda e: isinstance(e, DeviceEvent) and e.payload >= first.payload + 3)
            assert later.payload > first.payload
            assert len(calls) >= 4  # the broken listener kept being called too
            assert device.call(lambda: "still serving", timeout=2) == "still serving"
        finally:
            device.close()
    assert any(r.getMessage() == "listener failed" for r in caplog.records)


def test_unsubscribe_stops_delivery(lamp):
    device, events = lamp
    other = Recorder()
    unsubscribe = device.subscribe(other)
    other.wait_for(is_kind("tick"))
    unsubscribe()
    count = other.mark()
    mark = events.mark()
    events.wait_for(is_kind("tick"), after=mark)
    events.wait_for(is_kind("tick"), after=events.mark())
    assert other.mark() == count


def test_commands_run_on_the_worker_thread(lamp):
    device, _ = lamp
    ran_on = device.call(lambda: threading.current_thread(), timeout=2)
    assert ran_on is not threading.current_thread()
    assert ran_on.name == "device-lamp"
    assert device.call(lambda: device.switch("on"), timeout=2) == "device-lamp"


def test_a_command_error_reaches_the_caller_and_the_device_goes_on(lamp):
    device, events = lamp

    def bad():
        raise ValueError("bad command")

    with pytest.raises(ValueError, match="bad command"):
        device.call(bad, timeout=2)
    future = device.submit(bad)
    assert isinstance(future.exception(timeout=2), ValueError)
    assert device.call(lambda: 42, timeout=2) == 42
    assert device.status()["device"] == "online"


def test_call_on_a_device_never_opened_fails_with_not_connected():
    device = Lamp()
    with pytest.raises(DeviceNotConnected):
        device.call(lambda: 1, timeout=1)
    assert isinstance(device.submit(lambda: 1).exception(timeout=1), DeviceNotConnected)


def test_call_and_submit_on_a_closed_device_fail_with_not_connected(lamp):
    device, events = lamp
    device.close()
    assert device.status()["device"] == "offline"
    with pytest.raises(DeviceNotConnected):
        device.call(lambda: 1, timeout=1)
    with pytest.raises(DeviceNotConnected):
        device.reset(timeout=1)
    assert isinstance(device.submit(lambda: 1).exception(timeout=1), DeviceNotConnected)


def test_reset_runs_the_reset_hook(lamp):
    device, _ = lamp
    device.call(lambda: device.switch("on"), timeout=2)
    device.reset(timeout=2)
    assert device.status()["lamp"] == "off"


@pytest.fixture
def unreachable_lamp():
    """A lamp whose connection attempts fail, open and already reporting offline."""
    device = Lamp()
    device.reachable = False
    with opened(device, "offline") as events:
        yield device, events


def test_a_command_to_an_unreachable_device_fails_instead_of_hanging(unreachable_lamp):
    device, _ = unreachable_lamp
    future = device.submit(lambda: "never")
    assert isinstance(future.exception(timeout=2), DeviceNotConnected)
    assert not device.connected


def test_lost_link_reconnects_by_itself(lamp):
    device, events = lamp
    mark = events.mark()
    connects = device.connects
    device.poll_error = LinkLost("cable pulled")
    events.wait_for(is_state("offline"), after=mark)
    events.wait_for(is_state("online"), after=mark)
    assert device.connects == connects + 1
    assert events.states()[-2:] == ["offline", "online"]


def test_unreachable_device_comes_online_when_it_appears(unreachable_lamp):
    device, events = unreachable_lamp
    device.reachable = True
    events.wait_for(is_state("online"))
    assert device.call(lambda: "ok", timeout=2) == "ok"


def test_a_bug_in_a_poll_does_not_kill_the_worker(lamp, caplog):
    device, events = lamp
    with caplog.at_level(logging.ERROR, logger="drivers.device"):
        polls = device.polls
        device.poll_error = KeyError("driver bug")
        wait_until(lambda: device.polls >= polls + 3, what="polls after the bug")
        assert device._thread is not None and device._thread.is_alive()
        assert device.call(lambda: "alive", timeout=2) == "alive"
    assert any("poll failed" in r.getMessage() for r in caplog.records)


def test_open_twice_starts_one_worker(lamp):
    device, _ = lamp
    worker = device._thread
    device.open()
    assert device._thread is worker
    assert [t.name for t in threading.enumerate()].count("device-lamp") == 1


def test_close_from_a_listener_does_not_deadlock():
    device = Lamp()
    closed = threading.Event()

    def closer(event):
        if isinstance(event, DeviceEvent):
            device.close()
            closed.set()

    device.subscribe(closer)
    device.open()
    assert closed.wait(5)
    wait_until(lambda: not any(t.name == "device-lamp" for t in threading.enumerate()), what="worker ended")
