"""Checking what a citizen typed into a service form, and saying what is wrong in words they understand.

Every field type of assets/catalogue/schema.json has one validator that first normalises (people type
full-width digits, spaces, "+86", "2024年3月8日") and then checks. A problem is a ``FieldError``: a
machine ``code`` for the flow and a message in plain Chinese and English that names the field, taken
from the one ``MESSAGES`` table so the wording is reviewed in one place.

Codes: required, format, length, checksum, region, invalid_date, future_date, range, option,
incomplete (address), mismatch (two fields disagree).

Address rule (mailing, so a postman can find the door): at least 8 characters, at least one place word
(省 自治区 市 州 盟 县 区 旗 镇 乡 街道 村 社区 屯) and at least one detail word (路 街 大道 巷 弄 胡同 号 组 栋 幢
楼 室 单元 村 屯 小区 苑 院 大厦 公寓 花园). 村/屯 count as both: rural post is delivered to the village.
"北京市朝阳区" fails (no detail), "建国路88号" fails (no place, too short).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from . import idnumber
from .guide import FormField

EARLIEST_BIRTH = idnumber.EARLIEST_BIRTH

# Placeholders: {label}; {actual} (length typed); {max_length}; {min}/{max}; {options}; {other} (the
# other field's label); {expected}. A key "code.type" overrides "code" for that field type.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("请填写{label}", "Please fill in {label}."),
    "required.choice": ("请选择{label}", "Please choose {label}."),
    "required.boolean": ("请选择{label}：“是”或“否”", "Please answer {label}: yes or no."),
    "format": ("{label}填写的格式不对，请核对后重新输入", "{label} is not written correctly. Please check it."),
    "length": ("{label}最多能填{max_length}个字，您填了{actual}个字，请删减一些",
               "{label} can be at most {max_length} characters; you entered {actual}. Please shorten it."),
    "range": ("{label}应在{min}到{max}之间", "{label} must be between {min} and {max}."),
    "range_min": ("{label}不能小于{min}", "{label} cannot be less than {min}."),
    "range_max": ("{label}不能大于{max}", "{label} cannot be more than {max}."),
    "option": ("{label}请从这些选项中选一个：{options}", "For {label}, please choose one of: {options}."),
    "format.id_number": ("{label}只能是数字，最后一位可以是字母X，请核对后重新输入",
                         "{label} may contain only digits; the last character may be the letter X."),
    "length.id_number": ("{label}应为18位，您填了{actual}位，请核对后重新输入",
                         "{label} must be 18 characters long; you entered {actual}. Please check it."),
    "region.id_number": ("{label}开头两位不是有效的省份代码，请核对后重新输入",
                         "The first two digits of {label} are not a valid province code. Please check it."),
    "invalid_date.id_number": ("{label}第7到14位的出生日期不存在，请核对后重新输入",
                               "Digits 7 to 14 of {label} are not a real date of birth. Please check it."),
    "future_date.id_number": ("{label}里的出生日期晚于今天，请核对后重新输入",
                              "The date of birth inside {label} is after today. Please check it."),
    "range.id_number": ("{label}里的出生日期早于1900年，请核对后重新输入",
                        "The date of birth inside {label} is before 1900. Please check it."),
    "checksum.id_number": ("{label}最后一位校验码不对，请核对后重新输入",
                           "The last character (check digit) of {label} does not match. Please check the number."),
    "format.mobile": ("{label}应为11位手机号码，以1开头，请核对后重新输入",
                      "{label} must be an 11-digit mobile number starting with 1. Please check it."),
    "length.mobile": ("{label}应为11位数字，您填了{actual}位，请核对后重新输入",
                      "{label} must have 11 digits; you entered {actual}. Please check it."),
    "format.phone": ("{label}请填写11位手机号码，或带区号的固定电话，例如0398-1234567",
                     ("For {label}, enter an 11-digit mobile number or a landline with area code, "
                      "e.g. 0398-1234567.")),
    "format.date": ("{label}请按“年-月-日”填写，例如2024-03-08",
                    "Please write {label} as year-month-day, e.g. 2024-03-08."),
    "invalid_date": ("{label}填写的日期不存在（比如2月没有30日），请核对",
                     "{label} is not a real date (for example, February has no 30th). Please check it."),
    "future_date": ("{label}不能晚于今天，请核对", "{label} cannot be later than today. Please check it."),
    "range.date": ("{label}不能早于1900年，请核对", "{label} cannot be before 1900. Please check it."),
    "format.postal_code": ("{label}应为6位数字，例如467500", "{label} must be 6 digits, e.g. 467500."),
    "format.integer": ("{label}请填写整数，例如3", "Please enter a whole number for {label}, e.g. 3."),
    "format.money": ("{label}请填写金额，例如12.50，最多到分（小数点后两位）",
                     "Please enter an amount for {label}, e.g. 12.50, with at most two decimals."),
    "format.email": ("{label}格式不对，应像 name@example.com 这样",
                     "{label} should look like name@example.com."),
    "format.boolean": ("{label}请选择“是”或“否”", "Please answer {label} with yes or no."),
    "incomplete": (("{label}不够详细，请写清楚省、市、县（区）、乡镇和村或路名门牌号，"
                    "例如“河南省汝州市纸坊镇大王庄村3组”"),
                   ("{label} is not detailed enough for mail: please give the province, city, county, "
                    "town and the village or street and house number.")),
    "mismatch.birth_date": ("{label}与{other}里的出生日期不一致（按{other}应为{expected}），请核对",
                            ("{label} does not match the date of birth in {other} (it says {expected}). "
                             "Please check both.")),
    "mismatch.sex": ("{label}与{other}不一致（按{other}应为“{expected}”），请核对",
                     "{label} does not match {other} (it says {expected}). Please check both."),
}

Text = str | tuple[str, str]        # one text for both languages, or (zh, en)


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, ready to show next to it."""
    field: str
    label: str
    code: str
    message: str
    message_en: str


@dataclass(frozen=True)
class FormResult:
    """The normalised values of the fields that are filled in and correct, one error per bad field
    (in form order), and the keys that belong to no field (ignored, but listed so a caller notices
    a misspelt name)."""
    values: dict[str, object]
    errors: list[FieldError]
    unknown: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str) -> FieldError | None:
        return next((e for e in self.errors if e.field == name), None)


class _Invalid(Exception):
    """Raised by a validator; turned into a FieldError with the field's labels."""

    def __init__(self, code: str, key: str | None = None, **params: Text) -> None:
        super().__init__(code)
        self.code, self.key, self.params = code, key, params


def field_error(field: FormField, code: str, key: str | None = None, **params: Text) -> FieldError:
    """Build the error from ``MESSAGES``: ``key``, else "code.type", else ``code``."""
    if key is None:
        key = f"{code}.{field.type}" if f"{code}.{field.type}" in MESSAGES else code
    zh, en = MESSAGES[key]

    def fill(template: str, lang: int, label: str) -> str:
        values = {k: v if isinstance(v, str) else v[lang] for k, v in params.items()}
        return template.format(label=label, **values)

    return FieldError(field.name, field.label, code, fill(zh, 0, field.label), fill(en, 1, field.label_en))


# -- normalising ----------------------------------------------------------------------------------
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")


def _half_width_alnum(text: str) -> str:
    """Full-width letters and digits (Ａ-Ｚ, ａ-ｚ, ０-９) to ASCII, but Chinese punctuation （，。） kept as
    typed: NFKC on a whole name or address would turn "，" into ","."""
    return "".join(unicodedata.normalize("NFKC", c) if "\uff10" <= c <= "\uff5a" and c.isalnum() else c
                   for c in text)


def clean_text(raw: object) -> str:
    """Free text: invisible characters dropped, full-width letters/digits to ASCII, runs of spaces
    (including the full-width space) to one, ends stripped."""
    text = _half_width_alnum(str(raw).translate(_INVISIBLE))
    return _SPACES.sub(" ", text).strip()


def clean_code(raw: object) -> str:
    """Numbers, codes, dates: full NFKC as well, so '－', '／', '．' and '＠' become ASCII."""
    return clean_text(unicodedata.normalize("NFKC", str(raw)))


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not clean_text(raw))


# -- one validator per type -----------------------------------------------------------------------
def _text(field: FormField, raw: object, today: date) -> str:
    return clean_text(raw)


def _id_number(field: FormField, raw: object, today: date) -> str:
    """GB 11643 numbers; also the 2017 foreign permanent resident card's 15 characters, which have no
    public check scheme but belong to people entitled to the same services."""
    number = idnumber.normalise(str(raw))
    if idnumber.is_well_formed_permit_2017(number):
        return number
    code = idnumber.problem(number, today)
    if code:
        raise _Invalid(code, actual=str(len(number)))
    return number


MOBILE_PATTERN = re.compile(r"1[3-9][0-9]{9}")
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
_COUNTRY_CODE = re.compile(r"^(\+86|0086)")


def mobile_digits(raw: object) -> str:
    """A typed mobile number without separators, full-width forms or the +86/0086/86 prefix: what
    every screen that asks for a mobile compares with the 11-digit pattern."""
    digits = _COUNTRY_CODE.sub("", _PHONE_SEPARATORS.sub("", clean_code(raw)))
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    return digits


def _mobile(field: FormField, raw: object, today: date) -> str:
    digits = mobile_digits(raw)
    if not (digits.isascii() and digits.isdigit()):
        raise _Invalid("format")
    if len(digits) != 11:
        raise _Invalid("length", actual=str(len(digits)))
    if not MOBILE_PATTERN.fullmatch(digits):
        raise _Invalid("format")
    return digits


# Area codes: 010 and 02x have three digits, every other one four; local numbers 7-8 digits, not
# starting with 0. Fixing the area code's length is what splits "03981234567" correctly.
_LANDLINE = re.compile(r"\(?(0(?:10|2[0-9]|[3-9][0-9]{2}))\)?-?([1-9][0-9]{6,7})")


def _phone(field: FormField, raw: object, today: date) -> str:
    try:
        return _mobile(field, raw, today)
    except _Invalid:
        pass
    match = _LANDLINE.fullmatch(re.sub(r"\s", "", clean_code(raw)))
    if not match:
        raise _Invalid("format")
    return f"{match[1]}-{match[2]}"


_DATE_NUMERIC = re.compile(r"([0-9]{4})\s*([-/.])\s*([0-9]{1,2})\s*\2\s*([0-9]{1,2})")
_DATE_CHINESE = re.compile(r"([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*[日号]?")


def _is_birth(field: FormField) -> bool:
    """Birth dates cannot lie in the future; other dates (an appointment, an expiry) may."""
    return "birth" in field.name.split("_") or field.source == "identity.birth"


def parse_date(raw: object) -> date:
    """YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or YYYY年M月D日 (months and days with or without a leading 0)."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = clean_code(raw)
    match = _DATE_NUMERIC.fullmatch(text)
    parts = (match[1], match[3], match[4]) if match else None
    if parts is None and (match := _DATE_CHINESE.fullmatch(text)):
        parts = (match[1], match[2], match[3])
    if parts is None:
        raise _Invalid("format")
    try:
        return date(*map(int, parts))
    except ValueError:
        raise _Invalid("invalid_date") from None


def _date(field: FormField, raw: object, today: date) -> str:
    value = parse_date(raw)
    if _is_birth(field):
        if value > today:
            raise _Invalid("future_date")
        if value < EARLIEST_BIRTH:
            raise _Invalid("range")
    return value.isoformat()


_PLACE = re.compile(r"省|自治区|市|州|盟|县|区|旗|镇|乡|街道|村|社区|屯")
_DETAIL = re.compile(r"路|街(?!道)|大道|巷|弄|胡同|号|组|栋|幢|楼|室|单元|村|屯|小区|苑|院|大厦|公寓|花园")
ADDRESS_MIN_CHARS = 8


def _address(field: FormField, raw: object, today: date) -> str:
    text = clean_text(raw)
    if (len(text.replace(" ", "")) < ADDRESS_MIN_CHARS or not _PLACE.search(text)
            or not _DETAIL.search(text)):
        raise _Invalid("incomplete")
    return text


def _postal_code(field: FormField, raw: object, today: date) -> str:
    code = clean_code(raw).replace(" ", "")
    if not re.fullmatch(r"[0-9]{6}", code):
        raise _Invalid("format")
    return code


def _choice(field: FormField, raw: object, today: date) -> str:
    """The option's value, whether the citizen gave the value, the label or the English label."""
    text = clean_text(raw)
    for option in field.options:
        if text in (option.value, option.label) or text.casefold() == option.label_en.casefold():
            return option.value
    raise _Invalid("option", options=("、".join(o.label for o in field.options),
                                      ", ".join(o.label_en for o in field.options)))


def _number_text(value: float | Decimal) -> str:
    """18.0 -> "18", 0.5 -> "0.5": how a limit reads in a message."""
    return format(Decimal(str(value)).normalize(), "f")


def _check_range(field: FormField, value: int | Decimal, minimum: float | None) -> None:
    low, high = minimum, field.max
    bounds = {"min": _number_text(low) if low is not None else "",
              "max": _number_text(high) if high is not None else ""}
    too_low = low is not None and value < Decimal(str(low))
    too_high = high is not None and value > Decimal(str(high))
    if too_low or too_high:
        key = "range" if low is not None and high is not None else ("range_min" if too_low else "range_max")
        raise _Invalid("range", key, **bounds)


def _integer(field: FormField, raw: object, today: date) -> int:
    if isinstance(raw, bool):
        raise _Invalid("format")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float | Decimal):
        try:
            value = int(raw)
        except (ValueError, OverflowError):
            raise _Invalid("format") from None
        if value != raw:
            raise _Invalid("format")
    else:
        text = clean_code(raw).replace(",", "").replace(" ", "")
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            raise _Invalid("format")
        value = int(text)
    _check_range(field, value, field.min)
    return value


_CENT = Decimal("0.01")


def _money(field: FormField, raw: object, today: date) -> str:
    """A two-decimal string ("12.50"). Never rounded: 12.345 is refused, not changed behind the
    citizen's back. Negative only when the field's ``min`` allows it."""
    if isinstance(raw, bool):
        raise _Invalid("format")
    text = clean_code(raw).replace(",", "").replace(" ", "").removeprefix("¥").removesuffix("元")
    if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", text):
        raise _Invalid("format")
    try:
        amount = Decimal(text)
        cents = amount.quantize(_CENT)
    except InvalidOperation:
        raise _Invalid("format") from None
    if cents != amount:
        raise _Invalid("format")
    _check_range(field, cents, field.min if field.min is not None else 0)
    return str(cents + 0)           # + 0 turns -0.00 into 0.00


_EMAIL = re.compile(r"[A-Za-z0-9_%+\-]+(\.[A-Za-z0-9_%+\-]+)*"
                    r"@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}")


def _email(field: FormField, raw: object, today: date) -> str:
    text = clean_code(raw)
    if not _EMAIL.fullmatch(text):
        raise _Invalid("format")
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


_YES = {"true", "yes", "y", "1", "是", "对", "有"}
_NO = {"false", "no", "n", "0", "否", "不是", "无", "没有"}


def _boolean(field: FormField, raw: object, today: date) -> bool:
    if isinstance(raw, bool):
        return raw
    text = clean_code(raw).casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _Invalid("format")


Validator = Callable[[FormField, object, date], object]
VALIDATORS: dict[str, Validator] = {
    "text": _text, "id_number": _id_number, "mobile": _mobile, "phone": _phone, "date": _date,
    "address": _address, "postal_code": _postal_code, "choice": _choice, "integer": _integer,
    "money": _money, "email": _email, "boolean": _boolean,
}


def validate_value(field: FormField, raw: object, *, today: date | None = None) -> tuple[object, FieldError | None]:
    """(normalised value, None) or (None, error). A blank optional field is (None, None).

    ``today`` bounds birth dates (also the one inside an ID number); it defaults to the system date, but
    forms pass it in so a check is reproducible.
    """
    if field.type not in VALIDATORS:
        raise ValueError(f"unknown form field type {field.type!r} for {field.name!r}")
    if is_blank(raw):
        return None, field_error(field, "required") if field.required else None
    try:
        value = VALIDATORS[field.type](field, raw, today or date.today())
        if field.max_length is not None and isinstance(value, str) and len(value) > field.max_length:
            raise _Invalid("length", "length", actual=str(len(value)), max_length=str(field.max_length))
    except _Invalid as problem:
        return None, field_error(field, problem.code, problem.key, **problem.params)
    return value, None


# -- the whole form -------------------------------------------------------------------------------
_MALE = {"男", "男性", "1", "m", "male"}
_FEMALE = {"女", "女性", "2", "f", "female"}
_SEX_EN = {"男": "male", "女": "female"}


def _sex_of(field: FormField, value: object) -> str | None:
    """'男'/'女' from the chosen option's value or labels, whatever codes the catalogue uses."""
    words = [str(value)]
    words += [w for o in field.options if o.value == value for w in (o.label, o.label_en)]
    for word in (w.casefold() for w in words):
        if word in _MALE:
            return "男"
        if word in _FEMALE:
            return "女"
    return None


def _cross_check(by_name: Mapping[str, FormField], values: Mapping[str, object]) -> dict[str, FieldError]:
    """The birth date and sex typed in must be the ones the ID number encodes. The error goes on the
    typed field (the ID number is usually read from the card) and names both."""
    number = values.get("id_number")
    if not isinstance(number, str):
        return {}
    id_field = by_name["id_number"]
    other = (id_field.label, id_field.label_en)
    errors = {}
    birth, expected_birth = values.get("birth_date"), idnumber.birth_date(number)
    if birth is not None and expected_birth is not None and birth != expected_birth.isoformat():
        errors["birth_date"] = field_error(by_name["birth_date"], "mismatch", "mismatch.birth_date",
                                           other=other, expected=expected_birth.isoformat())
    if "sex" in values:
        typed, expected_sex = _sex_of(by_name["sex"], values["sex"]), idnumber.sex(number)
        if typed is not None and typed != expected_sex:
            errors["sex"] = field_error(by_name["sex"], "mismatch", "mismatch.sex", other=other,
                                        expected=(expected_sex, _SEX_EN[expected_sex]))
    return errors


def validate_form(fields: Sequence[FormField], values: Mapping[str, object], *, today: date) -> FormResult:
    """Check every field, then the ID number against birth date and sex.

    ``FormResult.values`` holds only fields that are filled in and correct, so nothing unchecked
    reaches an application; blank optional fields are left out rather than stored as None.
    """
    by_name = {f.name: f for f in fields}
    good: dict[str, object] = {}
    errors: dict[str, FieldError] = {}
    for field in fields:
        value, error = validate_value(field, values.get(field.name), today=today)
        if error:
            errors[field.name] = error
        elif value is not None:
            good[field.name] = value
    for name, error in _cross_check(by_name, good).items():
        errors[name] = error
        del good[name]
    return FormResult(values=good,
                      errors=[errors[f.name] for f in fields if f.name in errors],
                      unknown=[key for key in values if key not in by_name])
