"""GA/T 467 frames: the documented request bytes, the reference responses, and reassembly of frames
from a byte stream that arrives in arbitrary pieces with noise in between."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from drivers.idcard import protocol as p
from drivers.idcard.card import encode_text
from drivers.idcard.emulator import SamEmulator
from drivers.idcard.errors import ChecksumError, IdCardError, LengthError, VendorTimeout

from idcard_support import card

# The reference table (shared/reference/idcard-sam.md), verbatim.
REFERENCE_REQUESTS = [
    (p.RESET_SAM, "AA AA AA 96 69 00 03 10 FF EC"),
    (p.SAM_STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
    (p.SAM_ID, "AA AA AA 96 69 00 03 12 FF EE"),
    (p.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
    (p.SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
    (p.READ_TEXT_PHOTO, "AA AA AA 96 69 00 03 30 01 32"),
    (p.READ_APPENDED_ADDRESS, "AA AA AA 96 69 00 03 30 03 30"),
    (p.READ_TEXT_PHOTO_FINGERPRINT, "AA AA AA 96 69 00 03 30 10 23"),
]


def xor(data: bytes) -> int:
    out = 0
    for b in data:
        out ^= b
    return out


def frames_of(stream: bytes, chunks: list[int] | None = None) -> list[bytes | type]:
    """Feed ``stream`` in the given chunk sizes; collect bodies and error classes in order."""
    reader = p.FrameReader()
    out: list[bytes | type] = []
    pos = 0
    sizes = list(chunks or [len(stream)])
    while pos < len(stream):
        size = sizes.pop(0) if sizes else len(stream) - pos
        reader.feed(stream[pos:pos + max(1, size)])
        pos += max(1, size)
        for _ in range(len(stream) + 2):  # each call consumes bytes or returns None
            try:
                body = reader.next_frame()
            except IdCardError as exc:
                out.append(type(exc))
                continue
            if body is None:
                break
            out.append(body)
        else:
            raise AssertionError("next_frame made no progress")
    return out


@pytest.mark.parametrize("command, documented", REFERENCE_REQUESTS, ids=lambda v: str(v))
def test_every_documented_request_has_its_documented_bytes(command, documented):
    assert p.request(*command) == bytes.fromhex(documented)


def test_find_request_is_not_the_wrong_checksum_found_in_public_projects():
    assert p.request(*p.FIND_CARD)[-3:] == bytes.fromhex("20 01 22")
    assert p.request(*p.FIND_CARD)[-3:] != bytes.fromhex("20 01 21")


@pytest.mark.parametrize("rate, para", sorted(p.BAUD_RATES.items()))
def test_set_baud_requests_are_ten_bytes_with_computed_checksum(rate, para):
    frame = p.request(p.SET_BAUD, para)
    assert len(frame) == 10
    assert frame[:7] == bytes.fromhex("AA AA AA 96 69 00 03")
    assert frame[7:9] == bytes([0x60, para])
    assert frame[9] == xor(frame[5:9])
    assert para == {115200: 0, 57600: 1, 38400: 2, 19200: 3, 9600: 4}[rate]


@pytest.mark.parametrize("example, sw3", [
    ("AA AA AA 96 69 00 04 00 00 90 94", 0x90),   # reset OK
    ("AA AA AA 96 69 00 04 00 00 80 84", 0x80),   # no card
    ("AA AA AA 96 69 00 04 00 00 41 45", 0x41),   # read failed
])
def test_reference_response_examples_parse(example, sw3):
    frame = bytes.fromhex(example)
    [body] = frames_of(frame)
    response = p.parse_response(body)
    assert (response.sw1, response.sw2, response.sw3, response.data) == (0, 0, sw3, b"")
    assert p.response(sw3) == frame


def test_select_and_sam_id_responses_have_the_documented_lengths():
    assert p.response(0x90, bytes(8))[5:7] == bytes.fromhex("00 0C")
    assert p.response(0x90, bytes(16))[5:7] == bytes.fromhex("00 14")


def _read_response(card_fields, command):
    emu = SamEmulator(card_fields)
    assert emu.answer(bytes(p.FIND_CARD))[9] == 0x9F
    assert emu.answer(bytes(p.SELECT_CARD))[9] == 0x90
    return emu.answer(bytes(command))


def test_text_photo_read_response_has_the_documented_layout():
    fields = card("resident")
    frame = _read_response(fields, p.READ_TEXT_PHOTO)
    assert len(frame) == 1295
    assert frame[5:7] == bytes.fromhex("05 08")
    assert frame[7:10] == bytes.fromhex("00 00 90")
    assert frame[10:14] == bytes.fromhex("01 00 04 00")
    assert frame[14:270] == encode_text(fields)
    assert frame[-1] == xor(frame[5:-1])


def test_fingerprint_read_response_has_three_length_fields():
    fields = card("resident")
    assert fields["fingerprint"] is True
    frame = _read_response(fields, p.READ_TEXT_PHOTO_FINGERPRINT)
    assert len(frame) == 2321
    assert frame[5:7] == bytes.fromhex("09 0A")
    assert frame[10:16] == bytes.fromhex("01 00 04 00 04 00")
    assert frame[16:272] == encode_text(fields)


def test_frame_fed_one_byte_at_a_time_is_reassembled():
    frame = p.response(0x90, bytes(range(200)))
    reader = p.FrameReader()
    for i, byte in enumerate(frame):
        assert reader.next_frame() is None, f"frame reported complete after {i} bytes"
        reader.feed(bytes([byte]))
    assert reader.next_frame() == bytes([0, 0, 0x90]) + bytes(range(200))
    assert reader.next_frame() is None
    assert reader.buffered == 0


bodies = st.builds(lambda sw3, data: bytes([0, 0, sw3]) + data,
                   st.integers(0, 255), st.binary(max_size=300))
noise = st.binary(max_size=40).map(lambda b: b.replace(b"\xAA", b""))  # can never start a preamble


@given(st.lists(st.tuples(noise, bodies), min_size=1, max_size=5), st.lists(st.integers(1, 64), max_size=200))
def test_frames_split_anywhere_with_noise_between_come_out_whole_and_in_order(parts, chunks):
    stream = b"".join(junk + p.encode_frame(body) for junk, body in parts)
    assert frames_of(stream, chunks) == [body for _, body in parts]


@given(bodies, st.data())
def test_asking_for_needed_bytes_never_reads_past_the_frame(body, data):
    """The driver reads exactly ``needed()`` bytes at a time: that must end exactly at the frame's
    end, so a following frame is never swallowed."""
    frame = p.encode_frame(body)
    reader = p.FrameReader()
    pos = 0
    while True:
        got = reader.next_frame()
        if got is not None:
            break
        need = reader.needed()
        assert need >= 1
        take = data.draw(st.integers(1, need))
        assert pos + take <= len(frame)
        reader.feed(frame[pos:pos + take])
        pos += take
    assert got == body and pos == len(frame)


def test_noise_before_the_preamble_is_skipped_and_counted():
    junk = bytes.fromhex("00 ff 13 aa 96 aa aa 0d 0a")
    reader = p.FrameReader()
    reader.feed(junk + p.response(0x90))
    assert reader.next_frame() == bytes([0, 0, 0x90])
    assert reader.discarded == len(junk)


def test_partial_preamble_at_the_end_of_a_chunk_is_kept():
    frame = p.response(0x9F, bytes(4))
    reader = p.FrameReader()
    reader.feed(b"\x01\x02" + frame[:3])
    assert reader.next_frame() is None
    reader.feed(frame[3:])
    assert reader.next_frame() == bytes([0, 0, 0x9F, 0, 0, 0, 0])


def test_bad_checksum_is_rejected_and_the_next_frame_still_reads():
    good = p.response(0x90, b"\x01\x02")
    bad = good[:-1] + bytes([good[-1] ^ 0xFF])
    reader = p.FrameReader()
    reader.feed(bad + good)
    with pytest.raises(ChecksumError):
        reader.next_frame()
    assert reader.next_frame() == bytes([0, 0, 0x90, 1, 2])


@pytest.mark.parametrize("length", [0, 1, 2, p.MAX_LEN + 1, 0xFFFF])
def test_impossible_length_is_rejected_and_the_next_frame_still_reads(length):
    bogus = p.PREAMBLE + length.to_bytes(2, "big") + b"\x00\x00\x90"
    good = p.response(0x80)
    assert frames_of(bogus + good)[0] is LengthError
    assert frames_of(bogus + good)[-1] == bytes([0, 0, 0x80])


def test_body_too_short_for_a_status_is_a_length_error():
    with pytest.raises(LengthError):
        p.parse_response(b"\x00\x00")


def test_vendor_timeout_frame_raises_vendor_timeout():
    frame = bytes.fromhex("AA AA AA 96 69 00 05 05 05 05")
    assert frame == p.VENDOR_TIMEOUT
    reader = p.FrameReader()
    reader.feed(frame)
    with pytest.raises(VendorTimeout):
        reader.next_frame()
    assert reader.buffered == 0


@given(st.lists(st.integers(1, 9), max_size=10))
def test_vendor_timeout_in_pieces_then_a_good_frame(chunks):
    good = p.response(0x90)
    assert frames_of(p.VENDOR_TIMEOUT + good, chunks) == [VendorTimeout, bytes([0, 0, 0x90])]


# Bytes biased towards the preamble and small lengths, so the fuzz reaches the interesting paths.
fuzz_bytes = st.lists(st.one_of(
    st.binary(max_size=30),
    st.just(p.PREAMBLE),
    st.just(p.VENDOR_TIMEOUT),
    st.builds(lambda n: n.to_bytes(2, "big"), st.integers(0, 40)),
    bodies.map(p.encode_frame),
), max_size=12).map(b"".join)


@settings(max_examples=300)
@given(fuzz_bytes, st.lists(st.integers(1, 50), max_size=60))
def test_any_bytes_in_any_chunks_give_frames_or_typed_errors_only(stream, chunks):
    reader = p.FrameReader()
    chunks = list(chunks)
    pos = 0
    while pos < len(stream):
        size = chunks.pop(0) if chunks else len(stream)
        reader.feed(stream[pos:pos + size])
        pos += size
        for _ in range(len(stream) + 2):  # every call makes progress or returns None
            try:
                body = reader.next_frame()
            except IdCardError:
                continue
            if body is None:
                break
            assert isinstance(body, bytes) and len(body) >= p.MIN_LEN - 1
        else:
            pytest.fail("next_frame neither returned None nor made progress")
        assert reader.needed() >= 1
