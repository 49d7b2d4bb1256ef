"""The card's 256-byte text block: layouts per card type, decoding and (for the emulator) encoding.

One layout table serves both directions, so the emulator can never drift from the decoder. The text
is UCS-2 little-endian, space padded; the card type is the character at byte 248 (space for a
resident card, 'J', 'I' or 'Y'). The raw block is kept on the decoded card, so a correction to a
layout (the 2023 'Y' layout has one public source) needs no re-read of the card.
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from . import idnumber
from .errors import CardDecodeError, LengthError
from .nations import nation_code, nation_name

TEXT_LEN = 256
PHOTO_LEN = 1024
TYPE_FLAG_AT = 248
LONG_TERM = "长期"


class CardType(str, Enum):
    RESIDENT = "resident"
    HKMOTW_PERMIT = "hkmotw_permit"
    FOREIGN_PERMANENT_2017 = "foreign_permanent_2017"
    FOREIGN_PERMANENT_2023 = "foreign_permanent_2023"


TYPE_FLAGS = {" ": CardType.RESIDENT, "\x00": CardType.RESIDENT, "J": CardType.HKMOTW_PERMIT,
              "I": CardType.FOREIGN_PERMANENT_2017, "Y": CardType.FOREIGN_PERMANENT_2023}
FLAG_OF = {CardType.RESIDENT: " ", CardType.HKMOTW_PERMIT: "J",
           CardType.FOREIGN_PERMANENT_2017: "I", CardType.FOREIGN_PERMANENT_2023: "Y"}

# (field, byte offset, byte length) per card type; fields not listed are absent from that type.
_COMMON_TAIL = [("address", 52, 70), ("id_number", 122, 36), ("authority", 158, 30),
                ("valid_from", 188, 16), ("valid_to", 204, 16)]
LAYOUTS: dict[CardType, list[tuple[str, int, int]]] = {
    CardType.RESIDENT: [("name", 0, 30), ("sex", 30, 2), ("nation", 32, 4), ("birth", 36, 16),
                        *_COMMON_TAIL],
    CardType.HKMOTW_PERMIT: [("name", 0, 30), ("sex", 30, 2), ("birth", 36, 16), *_COMMON_TAIL,
                             ("pass_number", 220, 18), ("issue_count", 238, 4)],
    CardType.FOREIGN_PERMANENT_2017: [
        ("name_en", 0, 120), ("sex", 120, 2), ("id_number", 122, 30), ("nationality", 152, 6),
        ("name", 158, 30), ("valid_from", 188, 16), ("valid_to", 204, 16), ("birth", 220, 16),
        ("card_version", 236, 4), ("authority", 240, 8)],
    CardType.FOREIGN_PERMANENT_2023: [
        ("name", 0, 30), ("sex", 30, 2), ("issue_count", 32, 4), ("birth", 36, 16),
        ("name_en", 52, 70), ("id_number", 122, 36), ("valid_from", 188, 16), ("valid_to", 204, 16),
        ("name_en_2", 220, 22), ("nationality", 242, 6), ("old_number_link", 250, 6)],
}

SEX_NAMES = {"1": "男", "2": "女"}
SEX_CODES = {"男": "1", "女": "2", "未知": "0"}
JSON_KEYS = ("card_type", "name", "name_en", "sex", "nation", "birth", "address", "id_number",
             "id_number_valid", "authority", "valid_from", "valid_to", "pass_number", "issue_count",
             "nationality", "photo_wlt")
PERSONAL = frozenset(JSON_KEYS) - {"card_type", "id_number_valid"}


@dataclass(frozen=True, repr=False)
class IdentityCard:
    """A decoded card. Holds personal data: its repr shows none of it, and nothing here is logged."""
    card_type: CardType
    name: str | None = None
    name_en: str | None = None
    sex: str | None = None
    nation: str | None = None
    birth: str | None = None
    address: str | None = None
    id_number: str | None = None
    id_number_valid: bool | None = None
    authority: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    pass_number: str | None = None
    issue_count: str | None = None
    nationality: str | None = None
    photo_wlt: bytes = b""
    raw_text: bytes = b""
    extra: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"IdentityCard(card_type={self.card_type.value!r}, <personal data hidden>)"

    __str__ = __repr__

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON form (``kioskctl idcard read --json``)."""
        out: dict[str, Any] = {}
        for key in JSON_KEYS:
            value = getattr(self, key)
            if key == "card_type":
                value = value.value
            elif key == "photo_wlt":
                value = base64.b64encode(value).decode("ascii") if value else None
            out[key] = value
        return out


def _text(block: bytes, offset: int, length: int) -> str:
    return block[offset:offset + length].decode("utf-16-le", errors="replace").strip(" \x00")


def _date(value: str, name: str, problems: list[str]) -> str | None:
    if not value:
        return None
    if value.startswith(LONG_TERM):
        return LONG_TERM
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date().isoformat()
    except ValueError:
        problems.append(f"{name}: not a date")
        return None


def card_type_of(text: bytes) -> CardType:
    flag = _text(text, TYPE_FLAG_AT, 2) or " "
    try:
        return TYPE_FLAGS[flag]
    except KeyError:
        raise CardDecodeError(f"unknown card type flag {flag!r}") from None


def decode_text(text: bytes, photo: bytes = b"") -> IdentityCard:
    """Decode a text block (normally 256 bytes) into an :class:`IdentityCard`.

    Raises :class:`CardDecodeError` only when the block is unusable; a field that does not parse
    is left ``None`` and named in ``problems`` so the app can ask for the card again.
    """
    if len(text) < TYPE_FLAG_AT + 2:
        raise CardDecodeError(f"text block of {len(text)} bytes is too short")
    card_type = card_type_of(text)
    raw = {name: _text(text, offset, length) for name, offset, length in LAYOUTS[card_type]}
    problems: list[str] = []
    extra = {k: raw.pop(k) for k in ("card_version", "old_number_link") if k in raw}
    if "name_en_2" in raw:  # the 2023 card splits the English name; join before trimming padding
        raw.pop("name_en_2")
        raw["name_en"] = (text[52:122] + text[220:242]).decode("utf-16-le", errors="replace").strip(" \x00")
    sex_code = raw.get("sex", "")
    values: dict[str, Any] = {k: (v or None) for k, v in raw.items()}
    values["sex"] = SEX_NAMES.get(sex_code, "未知")
    if "nation" in raw:
        values["nation"] = nation_name(raw["nation"]) if raw["nation"] else None
        if raw["nation"] and values["nation"] is None:
            problems.append("nation: unknown code")
            values["nation"] = raw["nation"]
    for key in ("birth", "valid_from", "valid_to"):
        values[key] = _date(raw.get(key, ""), key, problems)
    number = (raw.get("id_number") or "").upper()
    values["id_number"] = number or None
    if card_type is CardType.FOREIGN_PERMANENT_2017:
        values["id_number_valid"] = idnumber.is_well_formed_permit_2017(number)
    else:
        values["id_number_valid"] = idnumber.is_valid(number)
    if not values["id_number_valid"]:
        problems.append("id_number: check failed")
    return IdentityCard(card_type=card_type, photo_wlt=bytes(photo), raw_text=bytes(text),
                        extra=extra, problems=tuple(problems), **values)


def split_read_data(data: bytes, fields: int = 2) -> tuple[bytes, bytes, int]:
    """Split a read response's data by its length fields: (text, photo, fingerprint length).

    ``30 01`` carries two length fields (text, photo), ``30 10`` three (text, photo, fingerprint),
    which moves the text. ``fields`` is what the command expects; the other count is tried too, as
    modules differ. The fingerprint bytes are never returned: only their length.
    """
    for count in (fields, 5 - fields):
        head = 2 * count
        if len(data) < head:
            continue
        lengths = [int.from_bytes(data[i:i + 2], "big") for i in range(0, head, 2)]
        if head + sum(lengths) == len(data):
            text = data[head:head + lengths[0]]
            photo = data[head + lengths[0]:head + lengths[0] + lengths[1]]
            return bytes(text), bytes(photo), lengths[2] if count == 3 else 0
    raise LengthError(f"read data of {len(data)} bytes does not match its length fields")


def decode_address(data: bytes) -> str:
    """The appended address (``30 03``): UCS-2 text."""
    return data.decode("utf-16-le", errors="replace").strip(" \x00")


# -- encoding, for the emulator and tests ----------------------------------------------------------
def _put(block: bytearray, offset: int, length: int, value: str) -> None:
    encoded = value.encode("utf-16-le")[:length]
    block[offset:offset + length] = encoded + " ".encode("utf-16-le") * ((length - len(encoded)) // 2)


def _compact(value: str | None) -> str:
    if not value:
        return ""
    return LONG_TERM if value == LONG_TERM else value.replace("-", "")


def encode_text(fields: dict[str, Any]) -> bytes:
    """Build a 256-byte text block from the JSON form of a card (as in a card file)."""
    card_type = CardType(fields.get("card_type", "resident"))
    block = bytearray(" ".encode("utf-16-le") * (TEXT_LEN // 2))
    values = {k: ("" if v is None else str(v)) for k, v in fields.items()}
    values["sex"] = SEX_CODES.get(values.get("sex", ""), values.get("sex", "0"))
    if card_type is CardType.RESIDENT:
        values["nation"] = nation_code(values.get("nation", "")) or values.get("nation", "")
    for key in ("birth", "valid_from", "valid_to"):
        values[key] = _compact(values.get(key))
    if card_type is CardType.FOREIGN_PERMANENT_2023:
        name_en = values.get("name_en", "")
        values["name_en"], values["name_en_2"] = name_en[:35], name_en[35:]
    for key, value in (fields.get("extra") or {}).items():
        values[key] = str(value)
    for name, offset, length in LAYOUTS[card_type]:
        _put(block, offset, length, values.get(name, ""))
    _put(block, TYPE_FLAG_AT, 2, FLAG_OF[card_type])
    return bytes(block)
