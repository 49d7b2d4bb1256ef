"""No name, ID number or address ever reaches a log: the code logs none, and the redacting filter
masks anything shaped like an identity number that slips through anyway."""
from __future__ import annotations

import io
import json
import logging

import pytest
from hypothesis import given, settings, strategies as st

from drivers.idcard import idnumber
from drivers.idcard.card import IdentityCard
from drivers.idcard.card import decode_text, encode_text
from drivers.idcard.emulator import load_card
from drivers.idcard.reader import CARD_ERROR, CARD_READ, IdCardReader
from flows.masking import mask_id_number, mask_name
from provisioning.logs import JsonFormatter, RedactFilter, redact, setup_logging

from idcard_support import CARD_FILES, Recorder, card, is_kind, is_state, pty_emulator, running_reader

# A thread dying in the driver or the emulator is a failure, not a warning.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

PERSONAL_KEYS = ("name", "name_en", "id_number", "address", "appended_address", "pass_number")


@pytest.fixture
def logfile(kiosk_home):
    """The kiosk's own log set-up at DEBUG, undone afterwards so other tests keep a clean root."""
    root = logging.getLogger()
    level = root.level
    path = setup_logging(kiosk_home, "DEBUG", console=False)
    yield path
    for handler in list(root.handlers):
        if getattr(handler, "_kiosk", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def personal_values(fields: dict) -> list[str]:
    values = [fields[k] for k in PERSONAL_KEYS if fields.get(k)]
    return values + [v.split(",")[0] for v in values if "," in v]  # a surname alone is personal too


def entries(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_full_read_cycle_logs_no_personal_data(logfile):
    with pty_emulator(card("resident")) as (emu, url):
        emu.lift()
        with running_reader(url, poll_interval=0.02, timeout=0.3, read_timeout=1.0) as (reader, events):
            read_count = 0
            for path in CARD_FILES:
                fields = load_card(path)
                emu.place(fields)
                read_count += 1
                events.wait_for(lambda e, n=read_count: is_kind(CARD_READ)(e) and len(events.of_kind(CARD_READ)) == n)
                emu.lift()
            emu.faults.lift_mid_read = True  # an error path too
            emu.place(card("resident"))
            events.wait_for(is_kind(CARD_ERROR))
            emu.unplug()  # and a link failure
            events.wait_for(lambda e: is_state("offline")(e) or is_state("noDevice")(e))
    text = logfile.read_text(encoding="utf-8")
    logged = entries(logfile)
    assert sum(1 for e in logged if e["msg"] == "card read") == len(CARD_FILES)
    assert any(e["msg"] == "reader ready" for e in logged)
    for path in CARD_FILES:
        for value in personal_values(load_card(path)):
            assert value not in text, f"{path.stem}: personal value in the log"


def test_a_card_with_a_wrong_check_digit_logs_its_problem_but_not_its_number(logfile):
    fields = {**card("resident"), "id_number": "411221195603083014"}
    with pty_emulator(fields) as (emu, url):
        with running_reader(url) as (_, events):
            decoded = events.wait_for(is_kind(CARD_READ)).payload
    assert decoded.id_number_valid is False
    logged = [e for e in entries(logfile) if e["msg"] == "card read"]
    assert logged and logged[0]["problems"] == ["id_number: check failed"]
    text = logfile.read_text(encoding="utf-8")
    assert "411221195603083014" not in text and "张晓明" not in text


def test_the_kiosk_log_masks_numbers_that_slip_into_messages_and_fields(logfile):
    number = "411221195603083013"
    logging.getLogger("flows.test").info("holder %s at desk", number, extra={"who": number, "ids": [number]})
    logging.getLogger("flows.test").warning(f"lookup of {number} failed")
    text = logfile.read_text(encoding="utf-8")
    assert number not in text
    logged = entries(logfile)
    assert logged[0]["msg"] == f"holder {mask_id_number(number)} at desk"
    assert logged[0]["who"] == mask_id_number(number) and logged[0]["ids"] == [mask_id_number(number)]
    assert logged[1]["msg"] == f"lookup of {mask_id_number(number)} failed"


def test_an_exception_carrying_an_id_number_is_masked_in_the_log(logfile):
    """A listener's bug that puts a number in its exception message: the traceback is redacted."""
    number = "411221195603083013"
    with pty_emulator(card("resident")) as (emu, url):
        reader = IdCardReader("idcard", url, poll_interval=0.02, timeout=0.3, read_timeout=1.0)
        events = Recorder()

        def careless(event):
            if getattr(event, "kind", None) == CARD_READ:
                raise ValueError(f"cannot handle card {event.payload.id_number}")

        reader.subscribe(careless)
        reader.subscribe(events)
        reader.open()
        try:
            events.wait_for(is_kind(CARD_READ))
        finally:
            reader.close()
    failures = [e for e in entries(logfile) if e["msg"] == "listener failed"]
    assert failures and mask_id_number(number) in failures[0]["exc"]
    assert number not in logfile.read_text(encoding="utf-8")


def _capture() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.redact")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


digits = lambda n: st.text("0123456789", min_size=n, max_size=n)  # noqa: E731
valid_numbers = digits(17).map(lambda d: d + idnumber.check_char(d))
surroundings = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5) | st.sampled_from(" :=,;()\"'"),
                       max_size=8)


@settings(max_examples=60)
@given(valid_numbers, surroundings, surroundings)
def test_redact_filter_masks_a_number_in_the_message(number, before, after):
    logger, stream = _capture()
    logger.info(f"{before}{number}{after}")
    logger.info("number %s seen", number)
    out = stream.getvalue()
    assert number not in out
    assert out.count(mask_id_number(number)) == 2


@settings(max_examples=60)
@given(valid_numbers)
def test_redact_filter_masks_a_number_in_extra_fields(number):
    logger, stream = _capture()
    logger.warning("lookup", extra={"holder": number, "nested": {"ids": [number, f"x {number.lower()}"]},
                                    "pair": ("a", number)})
    out = stream.getvalue()
    assert number not in out and number.lower() not in out
    entry = json.loads(out)
    assert entry["holder"] == mask_id_number(number)
    assert entry["nested"]["ids"][0] == mask_id_number(number)
    assert entry["pair"][1] == mask_id_number(number)


@pytest.mark.parametrize("number", ["110105491231002", "CAN310075051201", "11010519491231002X"])
def test_old_15_digit_and_foreign_permit_numbers_are_masked_too(number):
    assert number not in redact(f"holder {number}.")
    assert mask_id_number(number) in redact(f"holder {number}.")


@pytest.mark.parametrize("text", ["read 1295 bytes in 3.2 ms", "SAM id 05.01-20104566-0012493800-0002226070",
                                  "port /dev/pts/3", "2024-01-15T10:00:00"])
def test_ordinary_numbers_are_left_alone(text):
    assert redact(text) == text


def test_masking_keeps_enough_to_recognise_but_not_to_identify():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_name("张晓明") == "张*明"
    assert mask_name("欧阳丽华") == "欧**华"
    assert mask_name("张三") == "张*"
    assert mask_name("SMITH, JOHN") == "S***** J***"


def test_identity_card_reprs_in_log_messages_hide_data(logfile):
    fields = card("resident")
    decoded: IdentityCard = decode_text(encode_text(fields))
    logging.getLogger("drivers.test").debug("got %r / %s", decoded, decoded, extra={"card": decoded})
    text = logfile.read_text(encoding="utf-8")
    assert "personal data hidden" in text
    for value in personal_values(fields):
        assert value not in text
