"""The citizen identity number's check character (GB 11643: ISO 7064 MOD 11-2, 'X' for 10)."""
from __future__ import annotations

import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_EIGHTEEN = re.compile(r"[0-9]{17}[0-9X]")
_PERMIT_2017 = re.compile(r"[A-Z]{3}[0-9]{12}")


def check_char(first17: str) -> str:
    """The check character for the first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("need exactly 17 digits")
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def is_valid(number: str) -> bool:
    """True when ``number`` is 18 characters whose last is the GB 11643 check character.

    Used for resident cards, HK/Macau/Taiwan permits (81/82/83...) and 2023 foreign permanent
    resident cards (9...), which all follow GB 11643.
    """
    number = number.upper()
    return bool(_EIGHTEEN.fullmatch(number)) and check_char(number[:17]) == number[17]


def is_well_formed_permit_2017(number: str) -> bool:
    """2017 foreign permanent resident numbers: three letters and twelve digits. No public check
    scheme exists for them, so only the form is verified."""
    return bool(_PERMIT_2017.fullmatch(number))
