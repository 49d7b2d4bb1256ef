"""How personal data is shown, and the session that must forget it."""
from __future__ import annotations

import gc

from hypothesis import given, strategies as st

from drivers.idcard.card import IdentityCard, decode_text, encode_text
from flows.masking import mask_id_number, mask_name
from kiosk.session import Session

from idcard_support import card

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


def test_masks_as_the_citizen_sees_them():
    assert mask_name("张晓明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳丽华") == "欧**华"
    assert mask_name("SMITH JOHN") == "S**** J***"
    assert mask_id_number("110101199003071234") == "110101********1234"
    assert mask_id_number("CAN310075051201") == "CAN310*****1201"
    assert mask_name(None) == "" and mask_id_number("") == ""


@given(st.text(CJK, min_size=2, max_size=15))
def test_a_masked_name_keeps_its_length_and_ends_and_hides_the_middle(name):
    masked = mask_name(name)
    assert len(masked) == len(name)
    assert masked[0] == name[0]
    assert set(masked[1:-1]) <= {"*"}
    assert masked != name


@given(st.text("0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_a_masked_number_shows_region_and_last_four_only(digits, last):
    number = digits + last
    masked = mask_id_number(number)
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:]
    assert masked[6:14] == "*" * 8


def read(name="resident") -> IdentityCard:
    return decode_text(encode_text(card(name)))


def test_session_greets_masked_and_forgets_on_end():
    session = Session(idle_timeout=20)
    greeting = session.begin(read())
    assert (greeting.name, greeting.id_number, greeting.verified) == ("张*明", "411221********3013", True)
    session.end("exit")
    assert not session.active and session.seconds_left() == 0
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, IdentityCard)]


def test_foreign_card_without_a_chinese_name_greets_by_the_english_name():
    fields = {**card("foreign_2017"), "name": None}
    greeting = Session(20).begin(decode_text(encode_text(fields)))
    assert greeting.name == mask_name("SMITH, JOHN ROBERT")


def test_a_touch_restarts_the_idle_countdown():
    session = Session(idle_timeout=20)
    session.begin(read())
    start = session._last_activity
    assert session.seconds_left(start + 15) == 5
    assert session.seconds_left(start + 25) == 0
    session.touch()
    assert session.seconds_left(session._last_activity + 15) == 5


def test_a_new_card_replaces_the_session():
    session = Session(20)
    session.begin(read("resident"))
    assert session.begin(read("resident_moved")).name == "欧**华"
