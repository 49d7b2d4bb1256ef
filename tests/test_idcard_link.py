"""SamLink, command by command, against the emulator on a real pseudo-terminal."""
from __future__ import annotations

import pytest

from drivers.idcard import protocol as p
from drivers.idcard.errors import NoCard, SelectFailed

from idcard_support import CountingEmulator, card, pty_emulator, sam_link

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")


@pytest.fixture
def counted():
    emu = CountingEmulator(card("resident"))
    with pty_emulator(emulator=emu) as (_, url):
        with sam_link(url) as link:
            yield emu, link


def test_a_read_is_find_select_read_on_the_wire(counted):
    emu, link = counted
    decoded = link.read_card()
    assert emu.commands == [p.FIND_CARD, p.SELECT_CARD, p.READ_TEXT_PHOTO]
    assert link.bytes_out == 3 * 10
    assert link.bytes_in == 15 + 19 + 1295  # find (4 data bytes), select (8), read
    assert decoded.id_number == "411221195603083013"


def test_fingerprint_read_uses_its_own_command(counted):
    emu, link = counted
    decoded = link.read_card(fingerprint=True)
    assert emu.commands[-1] == p.READ_TEXT_PHOTO_FINGERPRINT
    assert link.bytes_in == 15 + 19 + 2321
    assert decoded.extra == {"fingerprint_present": "yes"}
    assert len(decoded.photo_wlt) == 1024


def test_card_without_fingerprint_says_so():
    with pty_emulator(card("resident_moved")) as (_, url), sam_link(url) as link:
        assert link.read_card(fingerprint=True).extra["fingerprint_present"] == "no"


def test_status_id_and_reset(counted):
    emu, link = counted
    link.sam_status()
    assert link.sam_id() == "05.01-20104566-0012493800-0002226070"
    link.reset_sam()
    assert emu.commands == [p.SAM_STATUS, p.SAM_ID, p.RESET_SAM]


def test_select_without_a_card_fails(counted):
    emu, link = counted
    emu.lift()
    with pytest.raises(SelectFailed):
        link.select()
    with pytest.raises(NoCard):
        link.read_card()


def test_appended_address():
    with pty_emulator(card("resident_moved")) as (_, url), sam_link(url) as link:
        link.read_card()
        assert link.read_appended_address() == "贵州省六盘水市钟山区荷城街道示例巷8号"
    with pty_emulator(card("resident")) as (_, url), sam_link(url) as link:
        link.read_card()
        assert link.read_appended_address() is None  # SW3 91: the card has none


@pytest.mark.parametrize("rate", sorted(p.BAUD_RATES))
def test_set_baud_switches_module_and_port(counted, rate):
    emu, link = counted
    link.set_baud(rate)
    assert emu.baudrate == rate
    assert link.port.baudrate == rate
    assert emu.commands == [(p.SET_BAUD, p.BAUD_RATES[rate])]


def test_unsupported_baud_rate_sends_nothing(counted):
    emu, link = counted
    with pytest.raises(ValueError):
        link.set_baud(4800)
    assert emu.commands == [] and link.bytes_out == 0


def test_unknown_command_is_a_command_error(counted):
    from drivers.idcard.errors import SamCommandError
    emu, link = counted
    with pytest.raises(SamCommandError):
        link.transact((0x7E, 0x01))
