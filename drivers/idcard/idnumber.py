"""The citizen identity number's check character (GB 11643: ISO 7064 MOD 11-2, 'X' for 10).

One implementation serves the card reader and the forms: the rule lives with the other identity-data
rules in ``flows/idnumber.py`` (pure, no state), as masking lives in ``flows/masking.py``.
"""
from flows.idnumber import (
    CHECK_CHARS,
    WEIGHTS,
    check_char,
    is_valid,
    is_well_formed_permit_2017,
)

__all__ = ["CHECK_CHARS", "WEIGHTS", "check_char", "is_valid", "is_well_formed_permit_2017"]
