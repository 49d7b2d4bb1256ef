"""How personal data may be shown: on a public screen, on a receipt, in a log.

Names keep the first and last character (张*明, 欧**明, 张*); ID numbers keep the first six and the
last four (110101********1234), enough for a citizen to recognise their own.
"""
from __future__ import annotations


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    name = name.strip()
    if name.isascii():
        return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str | None) -> str:
    if not number:
        return ""
    number = number.strip()
    if len(number) >= 14:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if len(number) > 4:
        return "*" * (len(number) - 4) + number[-4:]
    return "*" * len(number)
