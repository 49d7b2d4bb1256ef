"""The reader as a device: it comes online, reads each presentation once, survives unplug and replug
of a pseudo-terminal or a TCP link without being recreated, and stops cleanly."""
from __future__ import annotations

import threading

import pytest

from drivers.base.errors import DeviceNotConnected
from drivers.base.status import StatusChanged
from drivers.idcard import protocol as p
from drivers.idcard.card import IdentityCard
from drivers.idcard.emulator import SamEmulator
from drivers.idcard.reader import CARD_ERROR, CARD_READ, IdCardReader

from idcard_support import (CountingEmulator, Recorder, card, is_kind, is_state, pty_emulator,
                            running_reader, sam_link, tcp_emulator, wait_until)

# A thread dying in the driver or the emulator is a failure, not a warning.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

POLL = 0.02


READER_OPTIONS = dict(poll_interval=POLL, reconnect_min=0.02, reconnect_max=0.1)


def make_reader(url: str, **kwargs) -> tuple[IdCardReader, Recorder]:
    """A reader not yet opened, for tests that watch it come up."""
    reader = IdCardReader("idcard", url, **{**READER_OPTIONS, "timeout": 0.3, "read_timeout": 1.0, **kwargs})
    events = Recorder()
    reader.subscribe(events)
    return reader, events


@pytest.fixture
def running(request):
    """An open reader on a pty emulator holding no card yet."""
    with pty_emulator(card("resident")) as (emu, url):
        emu.lift()
        with running_reader(url, **READER_OPTIONS) as (reader, events):
            yield emu, reader, events


def polls_pass(emu: SamEmulator, count: int = 5) -> None:
    """Wait until the reader has polled the module ``count`` more times."""
    start = emu.requests
    wait_until(lambda: emu.requests >= start + count, what=f"{count} polls")


def test_reader_comes_online_and_reads_a_presented_card(running):
    emu, reader, events = running
    assert reader.connected
    assert reader.status()["device"] == "online"
    assert reader.sam_id and reader.sam_id.startswith("05.01-")
    emu.place()
    event = events.wait_for(is_kind(CARD_READ))
    decoded = event.payload
    assert isinstance(decoded, IdentityCard)
    assert event.device == "idcard" and event.error is None
    assert (decoded.name, decoded.sex, decoded.nation, decoded.birth) == ("张晓明", "男", "汉", "1956-03-08")
    assert decoded.id_number == "411221195603083013" and decoded.id_number_valid
    assert decoded.valid_to == "长期"
    assert len(decoded.photo_wlt) == 1024


def test_reader_goes_busy_while_reading_then_back_online(running):
    emu, reader, events = running
    mark = events.mark()
    emu.place()
    events.wait_for(is_kind(CARD_READ))
    events.wait_for(is_state("online"), after=mark)
    assert events.states()[-2:] == ["busy", "online"]


def test_a_card_left_on_the_reader_is_read_exactly_once(running):
    emu, reader, events = running
    emu.place()
    events.wait_for(is_kind(CARD_READ))
    polls_pass(emu, 10)
    assert len(events.of_kind(CARD_READ)) == 1
    assert not events.of_kind(CARD_ERROR)


def test_lift_and_place_again_reads_again(running):
    emu, reader, events = running
    emu.place()
    events.wait_for(is_kind(CARD_READ))
    emu.lift()
    polls_pass(emu, 2)
    mark = events.mark()
    emu.place(card("resident_moved"))
    second = events.wait_for(is_kind(CARD_READ), after=mark)
    assert second.payload.name == "欧阳丽华"
    assert second.payload.extra["appended_address"] == "贵州省六盘水市钟山区荷城街道示例巷8号"
    assert len(events.of_kind(CARD_READ)) == 2


class FindsForever(CountingEmulator):
    """A module that keeps finding (and selecting, and reading) a card that has already been read."""

    def answer(self, body: bytes) -> bytes:
        command = tuple(body[:2])
        if command in (p.FIND_CARD, p.SELECT_CARD) and self.card_present:
            with self._lock:
                self._read_done = False
        return super().answer(body)


def test_module_that_finds_the_same_card_again_still_reports_it_once_per_presentation():
    emu = FindsForever(card("resident"))
    emu.lift()
    with pty_emulator(emulator=emu) as (_, url):
        with running_reader(url, **READER_OPTIONS) as (reader, events):
            emu.place()
            events.wait_for(is_kind(CARD_READ))
            reads_before = emu.count(p.READ_TEXT_PHOTO)
            polls_pass(emu, 20)
            assert emu.count(p.READ_TEXT_PHOTO) >= reads_before + 2  # it really was found and read again
            assert len(events.of_kind(CARD_READ)) == 1
            emu.lift()
            polls_pass(emu, 2)
            emu.place()
            wait_until(lambda: len(events.of_kind(CARD_READ)) == 2, what="second presentation")
            polls_pass(emu, 20)
            assert len(events.of_kind(CARD_READ)) == 2


def test_unplug_and_replug_of_a_pty_without_recreating_the_reader(tmp_path):
    link = tmp_path / "idcard.tty"
    with pty_emulator(card("resident"), link_path=link) as (emu, url):
        assert url == str(link)
        emu.lift()
        with running_reader(url, **READER_OPTIONS) as (reader, events):
            mark = events.mark()
            emu.unplug()
            assert not link.exists()
            events.wait_for(lambda e: isinstance(e, StatusChanged)
                            and e.changes.get("device") in ("offline", "noDevice"), after=mark)
            wait_until(lambda: reader.status()["device"] == "noDevice", what="noDevice")
            assert not reader.connected
            assert emu.replug() == url
            events.wait_for(is_state("online"), after=mark)
            emu.place()
            assert events.wait_for(is_kind(CARD_READ), after=mark).payload.name == "张晓明"


def test_unplug_and_replug_over_tcp_keeps_the_port():
    with tcp_emulator(card("resident")) as (emu, url):
        assert url.startswith("socket://127.0.0.1:")
        emu.lift()
        with running_reader(url, **READER_OPTIONS) as (reader, events):
            mark = events.mark()
            emu.unplug()
            events.wait_for(is_state("offline"), after=mark)
            assert emu.replug() == url
            events.wait_for(is_state("online"), after=mark)
            emu.place()
            assert events.wait_for(is_kind(CARD_READ), after=mark).payload.id_number == "411221195603083013"


def test_reader_started_before_the_module_is_plugged_in(tmp_path):
    link = tmp_path / "idcard.tty"
    reader, events = make_reader(str(link))
    reader.open()
    try:
        events.wait_for(is_state("noDevice"))
        with pty_emulator(card("resident"), link_path=link) as (emu, _):
            events.wait_for(is_state("online"))
            assert events.wait_for(is_kind(CARD_READ)).payload.name == "张晓明"
    finally:
        reader.close()


def test_reset_resets_the_sam_and_a_read_follows():
    emu = CountingEmulator(card("resident"))
    emu.lift()
    with pty_emulator(emulator=emu) as (_, url):
        with running_reader(url, **READER_OPTIONS) as (reader, events):
            assert emu.count(p.RESET_SAM) == 0
            reader.reset(timeout=2)
            assert emu.count(p.RESET_SAM) == 1
            emu.place()
            assert events.wait_for(is_kind(CARD_READ)).payload.name == "张晓明"


def test_fingerprint_reader_reports_presence_but_keeps_no_template(running):
    emu, reader, events = running
    reader.fingerprint = True
    emu.place()
    decoded = events.wait_for(is_kind(CARD_READ)).payload
    assert decoded.extra["fingerprint_present"] == "yes"
    assert len(decoded.photo_wlt) == 1024
    assert len(decoded.raw_text) == 256
    assert all(not isinstance(v, bytes) or len(v) <= 1024 for v in vars(decoded).values())


def test_close_stops_the_worker_and_reports_offline(running):
    emu, reader, events = running
    worker = reader._thread
    assert worker is not None and worker.is_alive()
    reader.close()
    assert not worker.is_alive()
    assert reader.status()["device"] == "offline"
    assert not reader.connected
    quiet = emu.requests
    with pytest.raises(DeviceNotConnected):
        reader.reset(timeout=1)
    emu.place()  # nobody polls any more
    assert emu.requests == quiet
    assert not events.of_kind(CARD_READ)


def test_reader_can_be_opened_again_after_close(running):
    emu, reader, events = running
    reader.close()
    mark = events.mark()
    reader.open()
    events.wait_for(is_state("online"), after=mark)
    emu.place()
    assert events.wait_for(is_kind(CARD_READ), after=mark).payload.name == "张晓明"


def test_events_are_delivered_on_the_worker_thread(running):
    emu, reader, _ = running
    threads: list[str] = []
    got = threading.Event()

    def listener(event):
        threads.append(threading.current_thread().name)
        got.set()

    reader.subscribe(listener)
    emu.place()
    assert got.wait(5)
    assert threads[0] == "device-idcard"
    assert threading.current_thread().name not in threads


def test_emulator_survives_repeated_unplug_and_replug_over_tcp():
    with tcp_emulator(card("resident")) as (emu, url):
        for _ in range(6):
            with sam_link(url) as link:
                link.sam_status()
                emu.unplug()
                with pytest.raises(OSError):
                    link.sam_status()
            assert emu.replug() == url
        assert all(thread.is_alive() for thread in emu._threads)
        with sam_link(url) as link:
            assert link.read_card().name == "张晓明"
