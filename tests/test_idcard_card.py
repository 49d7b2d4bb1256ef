"""The 256-byte text block: the four card layouts, field rules, GB 11643 check digits, and the
read response's length fields."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings, strategies as st

from drivers.idcard import idnumber
from drivers.idcard.card import (JSON_KEYS, LONG_TERM, PHOTO_LEN, TEXT_LEN, CardType, IdentityCard,
                                 decode_text, encode_text, split_read_data)
from drivers.idcard.errors import CardDecodeError, LengthError
from drivers.idcard.nations import NATIONS, nation_code, nation_name

from idcard_support import CARD_FILES, card

# -- strategies -----------------------------------------------------------------------------------
cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
cjk_name = st.text(cjk, min_size=1, max_size=15)
cjk_text = lambda n: st.text(cjk, min_size=1, max_size=n)  # noqa: E731
dates = st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)).map(dt.date.isoformat)
sexes = st.sampled_from(["男", "女"])


def _valid_number(prefix: str, rest: str) -> str:
    first17 = (prefix + rest)[:17]
    return first17 + idnumber.check_char(first17)


digits = lambda n: st.text("0123456789", min_size=n, max_size=n)  # noqa: E731
resident_numbers = st.builds(_valid_number, digits(6), digits(11))
permit_numbers = st.builds(_valid_number, st.sampled_from(["81", "82", "83"]), digits(15))
foreign_2023_numbers = st.builds(_valid_number, st.just("9"), digits(16))
alpha3 = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
latin_name = st.from_regex(r"[A-Z]{1,12}(, [A-Z]{1,12}( [A-Z]{1,10}){0,3})?", fullmatch=True)

resident_cards = st.fixed_dictionaries({
    "card_type": st.just("resident"), "name": cjk_name, "sex": sexes,
    "nation": st.sampled_from(sorted(set(NATIONS.values()))), "birth": dates, "address": cjk_text(35),
    "id_number": resident_numbers, "authority": cjk_text(15), "valid_from": dates,
    "valid_to": st.one_of(dates, st.just(LONG_TERM)),
})
permit_cards = st.fixed_dictionaries({
    "card_type": st.just("hkmotw_permit"), "name": cjk_name, "sex": sexes, "birth": dates,
    "address": cjk_text(35), "id_number": permit_numbers, "authority": cjk_text(15),
    "valid_from": dates, "valid_to": dates,
    "pass_number": st.from_regex(r"[HM][0-9]{8}|[0-9]{8}", fullmatch=True),
    "issue_count": digits(2),
})
foreign_2017_cards = st.fixed_dictionaries({
    "card_type": st.just("foreign_permanent_2017"), "name": cjk_name, "name_en": latin_name,
    "sex": sexes, "id_number": st.builds(lambda a, d: a + d, alpha3, digits(12)),
    "nationality": alpha3, "birth": dates, "valid_from": dates, "valid_to": dates,
    "authority": digits(4),
})
foreign_2023_cards = st.fixed_dictionaries({
    "card_type": st.just("foreign_permanent_2023"), "name": cjk_name,
    "name_en": latin_name.filter(lambda s: len(s) <= 46), "sex": sexes,
    "issue_count": digits(2), "birth": dates,
    "id_number": foreign_2023_numbers, "nationality": alpha3, "valid_from": dates, "valid_to": dates,
})


def text_with(**fields) -> bytes:
    base = {"card_type": "resident", "name": "王小二", "sex": "男", "nation": "汉", "birth": "1990-01-01",
            "address": "北京市东城区示例胡同1号", "id_number": "11010519491231002X",
            "authority": "北京市公安局东城分局", "valid_from": "2010-01-01", "valid_to": "2030-01-01"}
    return encode_text({**base, **fields})


def patch_text(block: bytes, offset: int, value: str) -> bytes:
    encoded = value.encode("utf-16-le")
    return block[:offset] + encoded + block[offset + len(encoded):]


# -- round trips ----------------------------------------------------------------------------------
@settings(max_examples=60)
@given(st.one_of(resident_cards, permit_cards, foreign_2017_cards, foreign_2023_cards))
def test_every_card_type_round_trips(fields):
    block = encode_text(fields)
    assert len(block) == TEXT_LEN
    decoded = decode_text(block).to_dict()
    for key, value in fields.items():
        assert decoded[key] == value, key
    assert decoded["card_type"] == fields["card_type"]
    assert decoded["id_number_valid"] is True
    assert decode_text(block).problems == ()


@pytest.mark.parametrize("path", CARD_FILES, ids=lambda p: p.stem)
def test_sample_card_files_decode_to_their_own_fields(path):
    from drivers.idcard.emulator import load_card
    fields = load_card(path)
    decoded = decode_text(encode_text(fields))
    for key in JSON_KEYS:
        if key in fields:
            assert decoded.to_dict()[key] == fields[key], key
    assert decoded.id_number_valid is True
    assert decoded.problems == ()


def test_type_flag_selects_the_layout():
    assert decode_text(encode_text(card("resident"))).card_type is CardType.RESIDENT
    assert decode_text(encode_text(card("hkmotw_permit"))).card_type is CardType.HKMOTW_PERMIT
    assert decode_text(encode_text(card("foreign_2017"))).card_type is CardType.FOREIGN_PERMANENT_2017
    assert decode_text(encode_text(card("foreign_2023"))).card_type is CardType.FOREIGN_PERMANENT_2023
    assert encode_text(card("hkmotw_permit"))[248:250] == "J".encode("utf-16-le")
    assert encode_text(card("foreign_2017"))[248:250] == "I".encode("utf-16-le")
    assert encode_text(card("foreign_2023"))[248:250] == "Y".encode("utf-16-le")
    assert encode_text(card("resident"))[248:250] == " ".encode("utf-16-le")


def test_resident_fields_sit_at_their_documented_offsets():
    block = encode_text(card("resident"))
    assert block[0:6].decode("utf-16-le") == "张晓明"
    assert block[30:32].decode("utf-16-le") == "1"
    assert block[32:36].decode("utf-16-le") == "01"
    assert block[36:52].decode("utf-16-le") == "19560308"
    assert block[122:158].decode("utf-16-le") == "411221195603083013"
    assert block[188:204].decode("utf-16-le") == "20160520"
    assert block[204:208].decode("utf-16-le") == LONG_TERM


def test_2023_english_name_spans_both_parts():
    fields = card("foreign_2023")
    assert len(fields["name_en"]) > 35
    block = encode_text(fields)
    assert block[52:122].decode("utf-16-le") == fields["name_en"][:35]
    assert decode_text(block).name_en == fields["name_en"]
    assert decode_text(block).raw_text == block  # kept for a later layout correction


def test_long_term_validity():
    decoded = decode_text(text_with(valid_to=LONG_TERM))
    assert decoded.valid_to == LONG_TERM
    assert decoded.problems == ()


@pytest.mark.parametrize("code, name", [("01", "汉"), ("56", "基诺"), ("97", "其他"), ("98", "外国血统中国籍人士")])
def test_nation_codes(code, name):
    assert nation_name(code) == name
    assert nation_code(name) == code
    block = patch_text(text_with(), 32, code)
    assert decode_text(block).nation == name


def test_unknown_nation_code_is_a_problem_and_kept_raw():
    decoded = decode_text(patch_text(text_with(), 32, "77"))
    assert decoded.nation == "77"
    assert "nation: unknown code" in decoded.problems


@pytest.mark.parametrize("code, sex", [("1", "男"), ("2", "女"), ("0", "未知"), ("9", "未知")])
def test_sex_codes(code, sex):
    assert decode_text(patch_text(text_with(), 30, code)).sex == sex


# -- GB 11643 ---------------------------------------------------------------------------------------
def test_known_identity_number_is_valid():
    assert idnumber.check_char("11010519491231002") == "X"
    assert idnumber.is_valid("11010519491231002X")
    assert idnumber.is_valid("11010519491231002x")
    assert not idnumber.is_valid("110105194912310021")


@given(resident_numbers, st.integers(0, 17), st.integers(1, 10))
def test_changing_any_one_character_makes_a_valid_number_invalid(number, position, delta):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    current = alphabet.index(number[position])
    replacement = alphabet[(current + delta) % len(alphabet)]
    assume(replacement != number[position])
    changed = number[:position] + replacement + number[position + 1:]
    assert idnumber.is_valid(number)
    assert not idnumber.is_valid(changed)


@given(st.text(max_size=20))
def test_is_valid_never_raises(text):
    assert isinstance(idnumber.is_valid(text), bool)


def test_wrong_check_digit_is_reported_not_hidden():
    decoded = decode_text(text_with(id_number="110105194912310021"))
    assert decoded.id_number == "110105194912310021"
    assert decoded.id_number_valid is False
    assert "id_number: check failed" in decoded.problems


@pytest.mark.parametrize("value", ["19991341", "2023023X", "abcdefgh", "20230230"])
def test_invalid_date_is_a_problem_not_a_crash(value):
    decoded = decode_text(patch_text(text_with(), 36, value))
    assert decoded.birth is None
    assert "birth: not a date" in decoded.problems
    assert decoded.name == "王小二"


def test_dates_are_iso():
    decoded = decode_text(text_with(birth="2000-02-29"))
    assert decoded.birth == "2000-02-29"


# -- read response data ------------------------------------------------------------------------------
def test_split_text_photo_read_data():
    text, photo = encode_text(card("resident")), bytes(range(256)) * 4
    data = b"\x01\x00\x04\x00" + text + photo
    assert split_read_data(data, 2) == (text, photo, 0)


def test_split_fingerprint_read_data_by_its_three_length_fields():
    text, photo, fingerprint = encode_text(card("resident")), b"\x11" * PHOTO_LEN, b"\xF1" * 1024
    data = b"\x01\x00\x04\x00\x04\x00" + text + photo + fingerprint
    got_text, got_photo, fp_len = split_read_data(data, 3)
    assert (got_text, got_photo, fp_len) == (text, photo, 1024)
    assert b"\xF1" not in got_text + got_photo  # the fingerprint bytes never come back


def test_fingerprint_read_without_a_fingerprint():
    text, photo = encode_text(card("resident")), b"\x11" * PHOTO_LEN
    data = b"\x01\x00\x04\x00\x00\x00" + text + photo
    assert split_read_data(data, 3) == (text, photo, 0)


def test_module_sending_the_other_layout_is_still_split():
    text, photo = encode_text(card("resident")), b"\x22" * PHOTO_LEN
    assert split_read_data(b"\x01\x00\x04\x00" + text + photo, 3)[:2] == (text, photo)


@pytest.mark.parametrize("data", [b"", b"\x01", b"\x01\x00\x04\x00" + bytes(100), bytes(1280)])
def test_read_data_not_matching_its_length_fields_is_a_length_error(data):
    with pytest.raises(LengthError):
        split_read_data(data, 2)


# -- bad blocks -----------------------------------------------------------------------------------
@pytest.mark.parametrize("flag", ["Z", "1", "中"])
def test_unknown_type_flag_raises_card_decode_error(flag):
    with pytest.raises(CardDecodeError):
        decode_text(patch_text(text_with(), 248, flag))


def test_short_block_raises_card_decode_error():
    with pytest.raises(CardDecodeError):
        decode_text(text_with()[:200])


@settings(max_examples=300)
@given(st.binary(min_size=TEXT_LEN, max_size=TEXT_LEN))
def test_any_256_bytes_decode_or_raise_card_decode_error(block):
    try:
        decoded = decode_text(block)
    except CardDecodeError:
        return
    assert isinstance(decoded, IdentityCard)
    assert isinstance(decoded.to_dict(), dict)


@given(st.sampled_from([" ", "J", "I", "Y"]), st.binary(min_size=TEXT_LEN, max_size=TEXT_LEN))
def test_any_bytes_under_a_known_flag_decode(flag, block):
    block = patch_text(block, 248, flag)
    assert isinstance(decode_text(block), IdentityCard)


# -- personal data stays out of reprs ----------------------------------------------------------------
@pytest.mark.parametrize("path", CARD_FILES, ids=lambda p: p.stem)
def test_repr_and_str_hide_personal_data(path):
    from drivers.idcard.emulator import load_card
    fields = load_card(path)
    decoded = decode_text(encode_text(fields), b"\x01" * PHOTO_LEN)
    shown = repr(decoded) + str(decoded) + f"{decoded}" + repr([decoded])
    for key in ("name", "name_en", "id_number", "address", "birth"):
        if fields.get(key):
            assert fields[key] not in shown, key
    assert decoded.id_number[-4:] not in shown


@given(resident_cards)
def test_repr_never_shows_generated_names_or_numbers(fields):
    decoded = decode_text(encode_text(fields))
    assert fields["name"] not in repr(decoded)
    assert fields["id_number"] not in repr(decoded)


def test_full_width_digits_are_not_an_identity_number():
    from drivers.idcard import idnumber
    ascii_number = "11010519491231002X"
    full_width = ascii_number[:17].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + "X"
    assert idnumber.is_valid(ascii_number)
    assert not idnumber.is_valid(full_width)
    assert not idnumber.is_well_formed_permit_2017("CAN３１００７５０５１２０１")
