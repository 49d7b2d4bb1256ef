"""Form validation (flows/fields.py, flows/idnumber.py): what citizens type is normalised, what is wrong
is refused with a message that names the field, in Chinese and in English."""
from __future__ import annotations

import calendar
import re
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from flows import idnumber
from flows.fields import MESSAGES, FieldError, FormResult, validate_form, validate_value
from flows.guide import FormField, Option

TODAY = date(2024, 6, 1)
CJK = re.compile(r"[\u4e00-\u9fff]")
PROVINCE_CODES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
                  "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
                  "65", "71", "81", "82", "83"]


def field(type_: str, name: str = "f", label: str = "字段", label_en: str = "Field", *, required: bool = True,
          **kwargs) -> FormField:
    return FormField(name, label, label_en, type_, required, **kwargs)


def check(type_: str, raw: object, **kwargs) -> tuple[object, FieldError | None]:
    return validate_value(field(type_, **kwargs), raw, today=TODAY)


# -- ID numbers -----------------------------------------------------------------------------------
def iso7064_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 from its definition, not from the implementation's table: with weights
    2^(18-i) mod 11 over all 18 positions, the weighted sum must be 1 (mod 11); 10 is written X."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (1 - total) % 11
    return "X" if value == 10 else str(value)


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n)


first17s = st.builds(lambda p, c, born, seq: p + c + born.strftime("%Y%m%d") + seq,
                     st.sampled_from(PROVINCE_CODES), digits(4), st.dates(date(1900, 1, 1), TODAY), digits(3))
valid_numbers = first17s.map(lambda f: f + iso7064_check(f))


@given(valid_numbers)
def test_every_valid_number_validates(number):
    assert check("id_number", number) == (number, None)


@given(valid_numbers, st.data())
def test_any_single_changed_character_is_rejected(number, data):
    position = data.draw(st.integers(0, 17))
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1:]
    assert iso7064_check(changed[:17]) != changed[17]     # the check character alone catches it
    value, error = check("id_number", changed)
    assert value is None and error is not None


def test_mod_11_2_detects_every_single_substitution_exhaustively():
    """Why the property above must hold: each weight is non-zero mod 11 and a substitution changes a
    position by 1..10 (or, at the check position, by a different residue), and 11 is prime."""
    for position in range(17):
        weight = pow(2, 17 - position, 11)
        assert weight == idnumber.WEIGHTS[position]
        for delta in range(1, 10):
            assert delta * weight % 11 != 0
    assert len(set(idnumber.CHECK_CHARS)) == 11          # distinct check characters: position 18 too


@given(valid_numbers.filter(lambda n: n.endswith("X")))
def test_lowercase_x_is_normalised(number):
    assert check("id_number", number.lower()) == (number, None)


@given(valid_numbers)
def test_full_width_and_spaced_numbers_are_normalised(number):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    spaced = f" {full_width[:6]}\u3000{full_width[6:14]} {full_width[14:]} "
    assert check("id_number", spaced) == (number, None)


@pytest.mark.parametrize("number, code", [
    ("11010519491231002", "length"),
    ("11010519491231002X1", "length"),
    ("1101051949123100AX", "format"),
    ("X10105194912310021", "format"),
    ("99010519491231002X", "region"),
    ("00010519491231002X", "region"),
    ("110105194902300021", "invalid_date"),
    ("110105202501010021", "future_date"),
    ("110105189912310021", "range"),
    ("110105194912310021", "checksum"),
])
def test_id_number_problems(number, code):
    first17 = number[:17]
    if code in ("invalid_date", "future_date", "range") and len(number) == 18:
        number = first17 + iso7064_check(first17)        # only the date is wrong
    value, error = check("id_number", number, label="身份证号码", label_en="ID number")
    assert value is None and error.code == code
    assert "身份证号码" in error.message and "ID number" in error.message_en


def test_checksum_message_is_plain():
    _, error = check("id_number", "110105194912310021", label="身份证号码")
    assert error.message == "身份证号码最后一位校验码不对，请核对后重新输入"


def test_foreign_permanent_resident_2023_numbers_need_a_province_after_the_9():
    first17 = "9" + "41" + "156" + "19800101" + "001"
    assert check("id_number", first17 + iso7064_check(first17))[1] is None
    first17 = "9" + "99" + "156" + "19800101" + "001"
    assert check("id_number", first17 + iso7064_check(first17))[1].code == "region"


# -- mobile and phone -----------------------------------------------------------------------------
mobiles = st.builds(lambda second, rest: "1" + second + rest, st.sampled_from("3456789"), digits(9))
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def typed_mobiles(draw):
    number = draw(mobiles)
    text = ""
    for c in number:
        text += c.translate(FULL_WIDTH) if draw(st.booleans()) else c
        text += draw(st.sampled_from(["", "", " ", "-", "\u3000", "－"]))
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "＋８６-", "0086 ", "86"]))
    return number, prefix + text


@given(typed_mobiles())
def test_mobile_numbers_normalise_to_eleven_digits(case):
    number, typed = case
    assert check("mobile", typed) == (number, None)
    assert check("phone", typed) == (number, None)


@given(st.integers(1, 20).filter(lambda n: n != 11).flatmap(lambda n: digits(n - 1).map(lambda d: "1" + d)))
def test_mobile_numbers_of_the_wrong_length_are_rejected(number):
    value, error = check("mobile", number, label="手机号码")
    assert value is None and error.code == "length"
    assert "手机号码" in error.message and str(len(number)) in error.message


@pytest.mark.parametrize("typed", ["12800138000", "23800138000", "1380013800a"])
def test_mobile_numbers_that_are_not_mobile_are_rejected(typed):
    assert check("mobile", typed)[1].code == "format"


@pytest.mark.parametrize("typed, expected", [
    ("0398-1234567", "0398-1234567"), ("(0398)1234567", "0398-1234567"), ("03981234567", "0398-1234567"),
    ("０３９８－１２３４５６７", "0398-1234567"), ("010-12345678", "010-12345678"), ("02112345678", "021-12345678"),
    ("138 0013 8000", "13800138000"),
])
def test_phone_accepts_landlines_and_mobiles(typed, expected):
    assert check("phone", typed) == (expected, None)


@pytest.mark.parametrize("typed", ["1234567", "0398-123456", "0398-0123456", "电话"])
def test_phone_rejects_numbers_without_area_code_or_malformed(typed):
    assert check("phone", typed)[1].code == "format"


# -- dates ----------------------------------------------------------------------------------------
SPELLINGS = [
    lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}",
    lambda d: f"{d.year:04d}-{d.month}-{d.day}",
    lambda d: f"{d.year:04d}/{d.month:02d}/{d.day:02d}",
    lambda d: f"{d.year:04d}.{d.month}.{d.day}",
    lambda d: f"{d.year:04d}年{d.month}月{d.day}日",
    lambda d: f"{d.year:04d}年{d.month:02d}月{d.day:02d}日",
    lambda d: f" {d.year:04d} 年 {d.month} 月 {d.day} 号 ",
    lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}".translate(FULL_WIDTH).replace("-", "－"),
]


@given(st.dates(date(1000, 1, 1), date(2999, 12, 31)), st.sampled_from(SPELLINGS))
def test_dates_round_trip_in_every_spelling(day, spell):
    assert check("date", spell(day)) == (day.isoformat(), None)
    assert check("date", day) == (day.isoformat(), None)


@st.composite
def impossible_dates(draw):
    year = draw(st.integers(1900, 2099))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(calendar.monthrange(year, month)[1] + 1, 99))
    if draw(st.booleans()):
        month, day = draw(st.integers(13, 99)), draw(st.integers(1, 28))
    return year, month, day


@given(impossible_dates(), st.sampled_from(["{y}-{m}-{d}", "{y}/{m:02d}/{d:02d}", "{y}.{m}.{d}", "{y}年{m}月{d}日"]))
def test_impossible_dates_are_rejected(ymd, pattern):
    y, m, d = ymd
    value, error = check("date", pattern.format(y=y, m=m, d=d), label="结婚日期")
    assert value is None and error.code == "invalid_date"
    assert "结婚日期" in error.message and "不存在" in error.message


@pytest.mark.parametrize("typed", ["2024-03", "24-3-8", "2024-3/8", "20240308", "三月八日", "2024年3月"])
def test_dates_in_other_spellings_are_a_format_error(typed):
    assert check("date", typed)[1].code == "format"


def test_birth_dates_cannot_be_in_the_future_but_other_dates_can():
    assert check("date", "2024-06-02", name="birth_date")[1].code == "future_date"
    assert check("date", "2024-06-01", name="birth_date") == ("2024-06-01", None)
    assert check("date", "1899-12-31", name="child_birth_date")[1].code == "range"
    assert check("date", "2030-01-01", name="appointment_date") == ("2030-01-01", None)


# -- the other types ------------------------------------------------------------------------------
SEX = (Option("1", "男", "Male"), Option("2", "女", "Female"))


@pytest.mark.parametrize("type_, raw, kwargs, code", [
    ("text", "张三丰测试", {"max_length": 4}, "length"),
    ("id_number", "110105194912310021", {}, "checksum"),
    ("mobile", "1380013800", {}, "length"),
    ("phone", "12345", {}, "format"),
    ("date", "2023-02-30", {}, "invalid_date"),
    ("date", "下周", {}, "format"),
    ("address", "北京市朝阳区", {}, "incomplete"),
    ("postal_code", "46750", {}, "format"),
    ("choice", "未知", {"options": SEX}, "option"),
    ("integer", "三", {}, "format"),
    ("integer", "11", {"min": 1, "max": 10}, "range"),
    ("money", "12.345", {}, "format"),
    ("money", "-5", {}, "range"),
    ("email", "name@", {}, "format"),
    ("boolean", "也许", {}, "format"),
])
def test_every_rejection_names_the_field_in_chinese_and_english(type_, raw, kwargs, code):
    value, error = check(type_, raw, label="测试项", label_en="Test item", **kwargs)
    assert value is None
    assert (error.field, error.label, error.code) == ("f", "测试项", code)
    assert "测试项" in error.message and CJK.search(error.message.replace("测试项", ""))
    assert "Test item" in error.message_en and not CJK.search(error.message_en.replace("Test item", ""))


def test_every_message_has_both_languages_and_names_the_field():
    for key, (zh, en) in MESSAGES.items():
        assert "{label}" in zh and "{label}" in en, key
        assert CJK.search(zh) and not CJK.search(en), key


@pytest.mark.parametrize("type_, raw, kwargs, expected", [
    ("text", "  张\u3000\u3000三\u200b  ", {}, "张 三"),
    ("text", "ＡＢＣ１２３，你好", {}, "ABC123，你好"),
    ("postal_code", "４６７５００", {}, "467500"),
    ("integer", "１,２００", {}, 1200),
    ("integer", 7, {"min": 0}, 7),
    ("money", "12.5", {}, "12.50"),
    ("money", "￥1,234元", {}, "1234.00"),
    ("money", "0", {}, "0.00"),
    ("money", "-0", {}, "0.00"),
    ("email", " Li.Ming@QQ.COM ", {}, "Li.Ming@qq.com"),
    ("email", "zhang＠163.com", {}, "zhang@163.com"),
    ("boolean", "是", {}, True),
    ("boolean", "否", {}, False),
    ("boolean", "TRUE", {}, True),
    ("boolean", False, {}, False),
    ("choice", "女", {"options": SEX}, "2"),
    ("choice", "2", {"options": SEX}, "2"),
    ("choice", "female", {"options": SEX}, "2"),
    ("address", "河南省汝州市纸坊镇大王庄村3组", {}, "河南省汝州市纸坊镇大王庄村3组"),
    ("address", "汝州市广成路１２号院３号楼", {}, "汝州市广成路12号院3号楼"),
])
def test_values_are_normalised(type_, raw, kwargs, expected):
    assert check(type_, raw, **kwargs) == (expected, None)


@pytest.mark.parametrize("typed", ["北京市朝阳区", "建国路88号", "汝州市某某镇", "某某村"])
def test_addresses_need_a_place_and_a_detail(typed):
    assert check("address", typed)[1].code == "incomplete"


def test_integer_ranges_name_the_limits():
    assert check("integer", "0", min=1)[1].message == "字段不能小于1"
    assert check("integer", "11", max=10)[1].message == "字段不能大于10"
    assert check("integer", "3.5")[1].code == "format"
    assert check("integer", True)[1].code == "format"


def test_text_length_counts_chinese_characters():
    assert check("text", "张三丰", max_length=3) == ("张三丰", None)
    error = check("text", "张三丰啊", label="姓名", max_length=3)[1]
    assert error.code == "length" and "3" in error.message and "4" in error.message


def test_blank_optional_fields_are_not_errors():
    for raw in (None, "", "  ", "\u3000"):
        assert check("mobile", raw, required=False) == (None, None)


# -- whole forms ----------------------------------------------------------------------------------
NUMBER = "11010519491231002X"         # born 1949-12-31, 17th digit 2: female
FORM = [
    field("text", "name", "姓名", "Name", max_length=15),
    field("id_number", "id_number", "身份证号码", "ID number"),
    field("choice", "sex", "性别", "Sex", options=SEX),
    field("date", "birth_date", "出生日期", "Date of birth"),
    field("mobile", "mobile", "手机号码", "Mobile", required=False),
]


def test_a_good_form():
    result = validate_form(FORM, {"name": " 张三 ", "id_number": NUMBER.lower(), "sex": "女",
                                  "birth_date": "1949年12月31日"}, today=TODAY)
    assert isinstance(result, FormResult) and result.ok
    assert result.values == {"name": "张三", "id_number": NUMBER, "sex": "2", "birth_date": "1949-12-31"}
    assert result.errors == [] and result.unknown == []


def test_missing_required_fields_are_asked_for_by_name():
    result = validate_form(FORM, {"id_number": NUMBER, "mobile": ""}, today=TODAY)
    assert not result.ok
    assert [e.field for e in result.errors] == ["name", "sex", "birth_date"]
    assert [e.message for e in result.errors] == ["请填写姓名", "请选择性别", "请填写出生日期"]
    assert result.errors[0].message_en == "Please fill in Name."
    assert result.values == {"id_number": NUMBER}


def test_errors_come_in_field_order_one_per_field():
    result = validate_form(FORM, {"mobile": "123", "birth_date": "1949-02-30", "name": "张三",
                                  "id_number": "110105194912310021", "sex": "x"}, today=TODAY)
    assert [(e.field, e.code) for e in result.errors] == [
        ("id_number", "checksum"), ("sex", "option"), ("birth_date", "invalid_date"), ("mobile", "length")]
    assert result.values == {"name": "张三"}


def test_birth_date_and_sex_must_agree_with_the_id_number():
    result = validate_form(FORM, {"name": "张三", "id_number": NUMBER, "sex": "男", "birth_date": "1949-12-30"},
                           today=TODAY)
    assert [(e.field, e.code) for e in result.errors] == [("sex", "mismatch"), ("birth_date", "mismatch")]
    sex, birth = result.errors
    assert "性别" in sex.message and "身份证号码" in sex.message and "女" in sex.message
    assert "Sex" in sex.message_en and "ID number" in sex.message_en and "female" in sex.message_en
    assert "出生日期" in birth.message and "身份证号码" in birth.message and "1949-12-31" in birth.message
    assert "sex" not in result.values and "birth_date" not in result.values


@given(valid_numbers)
def test_the_number_always_agrees_with_itself(number):
    born = idnumber.birth_date(number)
    sex = "男" if int(number[16]) % 2 else "女"
    result = validate_form(FORM, {"name": "张三", "id_number": number, "sex": sex,
                                  "birth_date": f"{born.year}年{born.month}月{born.day}日"}, today=TODAY)
    assert result.ok, result.errors


def test_no_cross_check_when_the_id_number_is_itself_wrong():
    result = validate_form(FORM, {"name": "张三", "id_number": "110105194912310021", "sex": "男",
                                  "birth_date": "2000-01-01"}, today=TODAY)
    assert [(e.field, e.code) for e in result.errors] == [("id_number", "checksum")]


def test_unknown_keys_are_ignored_but_reported():
    result = validate_form(FORM, {"name": "张三", "id_number": NUMBER, "sex": "2", "birth_date": "1949-12-31",
                                  "nmae": "李四", "extra": 1}, today=TODAY)
    assert result.ok
    assert result.unknown == ["nmae", "extra"]
    assert "nmae" not in result.values


def test_unknown_field_type_is_a_programming_error():
    with pytest.raises(ValueError):
        check("colour", "red")


@given(st.text(max_size=30), st.sampled_from(["text", "id_number", "mobile", "phone", "date", "address",
                                              "postal_code", "integer", "money", "email", "boolean"]))
def test_any_text_gives_a_value_or_an_error_never_an_exception(text, type_):
    value, error = check(type_, text)
    assert (value is None) != (error is None)
    assume(error is not None)
    assert "字段" in error.message


def test_a_2017_foreign_permanent_resident_number_is_accepted_by_shape():
    field = FormField("id_number", "身份证号码", "ID number", "id_number", True)
    assert validate_value(field, "usa123456789012", today=date(2026, 11, 21)) == ("USA123456789012", None)
    _, error = validate_value(field, "USA12345678901", today=date(2026, 11, 21))
    assert error is not None
