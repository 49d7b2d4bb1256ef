"""Application numbers (办件编号): read out over the phone and typed into a query screen, so digits only,
grouped by meaning, with a check digit that catches a mistyped or swapped digit."""
from __future__ import annotations

from datetime import date


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for ``digits``: catches every single-digit error and most adjacent swaps."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def application_number(region_code: str, day: date, station: int, sequence: int) -> str:
    """``RRRRRR YYMMDD SS NNNNN C``: county, acceptance day, kiosk station (00-99), the station's
    sequence that day, check digit. 20 digits."""
    if not (len(region_code) == 6 and region_code.isdigit()):
        raise ValueError(f"region code must be 6 digits, got {region_code!r}")
    if not 0 <= station <= 99:
        raise ValueError(f"station must be 0-99, got {station}")
    if not 1 <= sequence <= 99999:
        raise ValueError(f"sequence must be 1-99999, got {sequence}")
    body = f"{region_code}{day:%y%m%d}{station:02d}{sequence:05d}"
    return body + luhn_digit(body)


def is_application_number(text: str) -> bool:
    """A plausible number of ours: 20 digits whose check digit agrees."""
    return len(text) == 20 and text.isdigit() and luhn_digit(text[:-1]) == text[-1]
