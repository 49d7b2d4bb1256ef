"""The citizen identity number (公民身份号码, GB 11643-1999): one pure implementation, no hardware.

Layout of the 18 characters: region (6) + birth date YYYYMMDD (8) + sequence (3, the last of them odd
for men, even for women) + check character (ISO 7064 MOD 11-2, 'X' standing for 10).

``check_char``, ``is_valid`` and ``is_well_formed_permit_2017`` keep the card reader's semantics (shape
and check character only, ASCII only), so ``drivers/idcard/idnumber.py`` can re-export them. ``problem``
adds what a typed-in number must also satisfy before a form accepts it: a real province, a real birth
date.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = date(1900, 1, 1)

# GB/T 2260 province-level codes, plus 83 which residence permits for Taiwan residents use.
PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
    "71": "台湾", "81": "香港", "82": "澳门", "83": "台湾（居住证）",
}

_EIGHTEEN = re.compile(r"[0-9]{17}[0-9X]")
_PERMIT_2017 = re.compile(r"[A-Z]{3}[0-9]{12}")
_SEPARATORS = re.compile(r"[\s\u200b\ufeff-]+")


def check_char(first17: str) -> str:
    """The check character for the first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("need exactly 17 digits")
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def is_valid(number: str) -> bool:
    """True when ``number`` is 18 characters whose last is the GB 11643 check character.

    Shape and check character only: resident cards, HK/Macau/Taiwan permits (81/82/83...) and 2023
    foreign permanent resident cards (9...) all follow GB 11643.
    """
    number = number.upper()
    return bool(_EIGHTEEN.fullmatch(number)) and check_char(number[:17]) == number[17]


def is_well_formed_permit_2017(number: str) -> bool:
    """2017 foreign permanent resident numbers: three letters and twelve digits. No public check
    scheme exists for them, so only the form is verified."""
    return bool(_PERMIT_2017.fullmatch(number))


def normalise(text: str) -> str:
    """What a citizen typed, as the card would print it: full-width digits and 'Ｘ' folded (NFKC),
    spaces and dashes between groups dropped, a lowercase 'x' raised."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


def region_ok(number: str) -> bool:
    """The leading province code is a real one. 2023 foreign permanent resident numbers start with 9
    followed by the accepting province's code."""
    if number[:1] == "9":
        return number[1:3] in PROVINCES
    return number[:2] in PROVINCES


def birth_date(number: str) -> date | None:
    """The birth date encoded in characters 7-14, or None when they are not a calendar date."""
    digits = number[6:14]
    if len(digits) != 8 or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def sex(number: str) -> str:
    """'男' when the 17th digit is odd, '女' when even (GB 11643 §5.3)."""
    return "男" if int(number[16]) % 2 else "女"


def problem(number: str, today: date) -> str | None:
    """Why an already ``normalise``d number cannot be accepted, as a code of flows.fields, or None.

    Checked in the order that gives a citizen the most useful hint: length, characters, province,
    birth date, and the check character last (it only says "some digit is wrong").
    """
    if len(number) != 18:
        return "length"
    if not _EIGHTEEN.fullmatch(number):
        return "format"
    if not region_ok(number):
        return "region"
    born = birth_date(number)
    if born is None:
        return "invalid_date"
    if born > today:
        return "future_date"
    if born < EARLIEST_BIRTH:
        return "range"
    if check_char(number[:17]) != number[17]:
        return "checksum"
    return None
