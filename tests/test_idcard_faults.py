"""Every fault a reader module shows in the field, one test each, through a real pseudo-terminal
(and the CLI where a technician would meet it). Short timeouts keep the failing cases quick."""
from __future__ import annotations

import subprocess
import sys

import pytest

from drivers.base.errors import Action, DeviceTimeout, ErrorKind
from drivers.base.status import DeviceState
from drivers.idcard import errors as e
from drivers.idcard import protocol as p
from drivers.idcard.emulator import Faults, SamEmulator, apply_fault
from drivers.idcard.reader import CARD_ERROR, CARD_READ, IdCardReader

from idcard_support import (Recorder, card, is_kind, is_state, pty_emulator, running_reader, sam_link,
                             wait_until)

# A thread dying in the driver or the emulator is a failure, not a warning.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

# SW3 codes of the reference table (shared/reference/idcard-sam.md) other than the two successes.
REFERENCE_SW3 = [0x91, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x40, 0x41, 0x47, 0x60, 0x66, 0x80, 0x81]


@pytest.fixture
def resident():
    return card("resident")


@pytest.fixture
def emu_url(resident):
    with pty_emulator(resident) as pair:
        yield pair


def test_every_reference_sw3_has_its_own_typed_error():
    classes = [e.sam_error(sw3).__class__ for sw3 in REFERENCE_SW3]
    assert len(set(classes)) == len(REFERENCE_SW3)
    for sw3, cls in zip(REFERENCE_SW3, classes, strict=True):
        error = e.sam_error(sw3)
        assert cls is not e.SamStatusError
        assert error.sw3 == sw3
        assert error.zh.strip() and error.en.strip()
        assert error.zh != e.IdCardError.zh and error.en != e.IdCardError.en
        assert isinstance(error, e.IdCardError)
        assert error.as_dict()["code"] == cls.code
    assert len({cls.code for cls in classes}) == len(REFERENCE_SW3)
    assert len({cls.en for cls in classes}) == len(REFERENCE_SW3)


def test_unknown_sw3_still_gives_a_typed_error():
    error = e.sam_error(0x55)
    assert isinstance(error, e.SamStatusError) and error.sw3 == 0x55
    assert "55" in error.detail


def test_success_codes_are_not_errors():
    assert e.SW3_OK not in e.SW3_ERRORS and e.SW3_FOUND not in e.SW3_ERRORS


# -- no card -----------------------------------------------------------------------------------------
def test_no_card(emu_url):
    emu, url = emu_url
    emu.lift()
    with sam_link(url) as link:
        assert link.find() is False
        with pytest.raises(e.NoCard) as info:
            link.read_card()
    assert info.value.kind is ErrorKind.USER


def test_no_card_from_the_cli_is_exit_1_and_one_line(emu_url):
    emu, url = emu_url
    emu.lift()
    result = subprocess.run([sys.executable, "-m", "provisioning.kioskctl", "idcard", "read", "--port", url,
                             "--timeout", "0.3"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "No card" in lines[0] and "未放置证件" in lines[0]


def test_read_is_once_per_presentation(emu_url):
    emu, url = emu_url
    with sam_link(url) as link:
        assert link.read_card().name == "张晓明"
        assert link.find() is False  # the module answers 80 until the card is presented again
        emu.lift()
        emu.place()
        assert link.read_card().name == "张晓明"


# -- card lifted mid-read -------------------------------------------------------------------------------
def test_card_lifted_mid_read_with_the_link(emu_url):
    emu, url = emu_url
    apply_fault(emu, "lift_mid_read")
    with sam_link(url) as link:
        assert link.find()
        link.select()
        with pytest.raises(e.ReadFailed):
            link.read()
        assert link.find() is False
        emu.place()
        assert link.read_card().id_number == "411221195603083013"


def test_card_lifted_mid_read_with_the_reader(emu_url):
    emu, url = emu_url
    emu.lift()
    with running_reader(url, poll_interval=0.02, timeout=0.3, read_timeout=1.0) as (reader, events):
        emu.faults.lift_mid_read = True
        emu.place()
        error_event = events.wait_for(is_kind(CARD_ERROR))
        assert isinstance(error_event.error, e.CardLifted)
        assert error_event.error.kind is ErrorKind.USER
        assert error_event.payload is None
        assert not events.of_kind(CARD_READ)
        assert reader.connected
        assert reader.status()["device"] in ("online", "busy")
        mark = events.mark()
        emu.place()
        read = events.wait_for(is_kind(CARD_READ), after=mark)
        assert read.payload.name == "张晓明"
        assert "offline" not in events.states()


# -- corrupted frames --------------------------------------------------------------------------------
def test_corrupted_checksum(emu_url):
    emu, url = emu_url
    with sam_link(url) as link:
        emu.faults.bad_checksum = 1
        with pytest.raises(e.ChecksumError):
            link.find()
        assert link.read_card().name == "张晓明"  # the next exchange is clean


def test_corrupted_checksum_on_a_poll_and_the_reader_recovers(emu_url):
    emu, url = emu_url
    emu.lift()
    with running_reader(url, poll_interval=0.02, timeout=0.3, read_timeout=1.0) as (reader, events):
        emu.faults.bad_checksum = 3
        emu.place()
        read = events.wait_for(is_kind(CARD_READ))
        assert read.payload.id_number == "411221195603083013"
        assert emu.faults.bad_checksum == 0  # the corrupted answers really were sent
        assert "offline" not in events.states()


def test_truncated_frame(emu_url):
    emu, url = emu_url
    with sam_link(url, timeout=0.3) as link:
        emu.faults.truncate = 1
        with pytest.raises(e.TruncatedFrame) as info:
            link.sam_status()
        assert isinstance(info.value, DeviceTimeout)
        link.sam_status()  # the cut-off remains are not taken for the next answer
        assert link.read_card().name == "张晓明"


def test_garbage_before_a_response_is_skipped(emu_url):
    emu, url = emu_url
    with sam_link(url) as link:
        emu.faults.garbage = 3
        fields = link.read_card()
        assert emu.faults.garbage == 0
        assert fields.name == "张晓明" and fields.id_number_valid
        assert link._reader.discarded >= 9 * 3


def test_vendor_timeout_frame(emu_url):
    emu, url = emu_url
    with sam_link(url) as link:
        emu.faults.vendor_timeout = 1
        with pytest.raises(e.VendorTimeout) as info:
            link.find()
        assert info.value.action is Action.RETRY
        assert link.read_card().name == "张晓明"


def test_drip_fed_response_still_reads(emu_url):
    emu, url = emu_url
    emu.faults.drip = True
    with sam_link(url, timeout=0.5, read_timeout=3.0) as link:
        decoded = link.read_card(fingerprint=True)
    assert decoded.name == "张晓明"
    assert len(decoded.photo_wlt) == 1024
    assert decoded.extra["fingerprint_present"] == "yes"


# -- slow and silent modules ------------------------------------------------------------------------------
def test_slow_answer_within_the_timeout_succeeds(emu_url):
    emu, url = emu_url
    emu.faults.delay = 0.1
    with sam_link(url, timeout=0.6, read_timeout=0.6) as link:
        assert link.read_card().name == "张晓明"


def test_answer_slower_than_the_timeout_is_no_response(emu_url):
    emu, url = emu_url
    emu.faults.delay = 0.5
    with sam_link(url, timeout=0.2) as link:
        with pytest.raises(e.NoResponse) as info:
            link.sam_status()
        assert info.value.action is Action.RESET
        emu.faults.delay = 0.0
        # The late answer to the abandoned command arrives; it must not pass for the next one's
        # (it carries no data, so taken for the SAM id it would fail).
        wait_until(lambda: link.port.in_waiting > 0, what="the late answer")
        assert link.sam_id().startswith("05.01-")
        assert link.find() is True


def test_silent_module_is_no_response(emu_url):
    emu, url = emu_url
    apply_fault(emu, "silent")
    with sam_link(url, timeout=0.2) as link:
        with pytest.raises(e.NoResponse):
            link.find()


def test_no_emulator_at_all_is_no_response(tmp_path):
    import os
    import tty
    master, slave = os.openpty()  # a port with nothing behind it
    tty.setraw(slave)
    try:
        with sam_link(os.ttyname(slave), timeout=0.2) as link:
            with pytest.raises(e.NoResponse):
                link.sam_status()
    finally:
        os.close(master)
        os.close(slave)


# -- SAM status codes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("sw3, error", [
    (0x60, e.SamSelfTestFailed), (0x66, e.SamNotAuthorised), (0x41, e.ReadFailed), (0x31, e.CardAuthFailed),
    (0x32, e.SamAuthFailed), (0x33, e.VerifyFailed), (0x40, e.UnknownCardType), (0x47, e.RandomFailed),
    (0x21, e.SamCommandError), (0x24, e.SamUnrecognised),
])
def test_sam_error_codes_raise_their_typed_errors(emu_url, sw3, error):
    emu, url = emu_url
    apply_fault(emu, f"sam_error={sw3:02X}")
    with sam_link(url) as link:
        with pytest.raises(error) as info:
            link.read_card()
    assert info.value.sw3 == sw3
    assert info.value.zh and info.value.en


class RefusesReads(SamEmulator):
    """A module whose SAM finds and selects the card but refuses to verify it."""

    def answer(self, body: bytes) -> bytes:
        if tuple(body[:2]) == p.READ_TEXT_PHOTO:
            self.requests += 1
            return p.response(0x33)
        return super().answer(body)


def test_sam_refusing_the_card_during_the_read_gives_the_read_error(resident):
    with pty_emulator(emulator=RefusesReads(resident)) as (_, url):
        with sam_link(url) as link:
            with pytest.raises(e.VerifyFailed) as info:
                link.read_card()
    assert info.value.kind is ErrorKind.USER


def test_sam_self_test_failure_makes_the_reader_report_hardware_error(emu_url):
    emu, url = emu_url
    emu.lift()
    emu.faults.sam_error = 0x60
    reader = IdCardReader("idcard", url, poll_interval=0.02, timeout=0.3, reconnect_min=0.02,
                          reconnect_max=0.05)
    events = Recorder()
    reader.subscribe(events)
    reader.open()
    try:
        events.wait_for(is_state(DeviceState.HARDWARE_ERROR.value))
        assert not reader.connected
        emu.faults = Faults()
        events.wait_for(is_state("online"))
        emu.place()
        assert events.wait_for(is_kind(CARD_READ)).payload.name == "张晓明"
    finally:
        reader.close()


def test_sam_failing_while_online_reports_hardware_error_without_flapping(emu_url):
    """A SAM that fails its self-test while in service is a hardware error, reported once: the status
    must not bounce through 'offline' while the driver retries."""
    emu, url = emu_url
    emu.lift()
    with running_reader(url, reconnect_min=0.02, reconnect_max=0.05) as (reader, events):
        mark = events.mark()
        emu.faults.sam_error = 0x60
        error_event = events.wait_for(is_kind(CARD_ERROR), after=mark)
        assert isinstance(error_event.error, e.SamSelfTestFailed)
        events.wait_for(is_state(DeviceState.HARDWARE_ERROR.value), after=mark)
        # Several reconnect attempts later the device still says hardwareError, and said nothing else.
        attempts = emu.requests
        wait_until(lambda: emu.requests >= attempts + 5, what="reconnect attempts")
        after = [state for state in events.states()[events.states().index("online") + 1:]]
        assert after == [DeviceState.HARDWARE_ERROR.value]
        assert reader.status()["device"] == DeviceState.HARDWARE_ERROR.value


def test_cli_reports_a_sam_error_in_one_line(emu_url):
    emu, url = emu_url
    apply_fault(emu, "sam_error=60")
    result = subprocess.run([sys.executable, "-m", "provisioning.kioskctl", "idcard", "info", "--port", url],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "SAM self-test failed" in line and "安全模块自检失败" in line


def test_unknown_fault_name_is_refused():
    with pytest.raises(ValueError):
        apply_fault(SamEmulator(), "melt")


class ProbeRefused(SamEmulator):
    """While ``broken``: the read fails and the status probe that follows gets a SAM error code."""

    broken = False

    def answer(self, body: bytes) -> bytes:
        command = tuple(body[:2])
        if self.broken and command == p.READ_TEXT_PHOTO:
            return p.response(0x41)
        if self.broken and command == p.SAM_STATUS:
            self.probed = getattr(self, "probed", 0) + 1
            return p.response(0x24)
        return super().answer(body)


def test_reader_survives_an_error_code_on_its_status_probe(resident):
    emu = ProbeRefused(resident)
    emu.lift()
    with pty_emulator(emulator=emu) as (_, url):
        with running_reader(url, poll_interval=0.02, timeout=0.3, read_timeout=1.0) as (reader, events):
            emu.broken = True
            emu.place()
            wait_until(lambda: getattr(emu, "probed", 0) >= 2, what="status probes")
            emu.broken = False
            assert events.wait_for(is_kind(CARD_READ)).payload.name == "张晓明"
            assert reader.call(lambda: "alive", timeout=2) == "alive"


def test_other_sam_error_on_a_poll_is_reported_and_the_reader_stays_online(emu_url):
    emu, url = emu_url
    emu.lift()
    with running_reader(url, poll_interval=0.02, timeout=0.3) as (reader, events):
        apply_fault(emu, "sam_error=24")
        error_event = events.wait_for(is_kind(CARD_ERROR))
        assert isinstance(error_event.error, e.SamUnrecognised)
        assert reader.connected and reader.status()["device"] == "online"
        apply_fault(emu, "clear")
        emu.place()
        assert events.wait_for(is_kind(CARD_READ)).payload.name == "张晓明"
        assert events.states() == ["online", "busy", "online"]


def test_a_persistent_sam_error_is_reported_once_not_on_every_poll(emu_url):
    emu, url = emu_url
    emu.lift()
    with running_reader(url, poll_interval=0.01, timeout=0.3) as (reader, events):
        apply_fault(emu, "sam_error=24")
        events.wait_for(is_kind(CARD_ERROR))
        polls_before = emu.requests
        wait_until(lambda: emu.requests >= polls_before + 20, what="twenty more polls")
        assert len(events.of_kind(CARD_ERROR)) == 1
        apply_fault(emu, "clear")
        wait_until(lambda: emu.requests >= polls_before + 40, what="polls after recovery")
        apply_fault(emu, "sam_error=24")  # the same code again after a good poll is news again
        wait_until(lambda: len(events.of_kind(CARD_ERROR)) == 2, what="second report")
