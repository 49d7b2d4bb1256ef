"""Citizen-facing texts from assets/translations: every message in Chinese with English."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache

from provisioning.paths import ASSETS

TEXTS_FILE = ASSETS / "translations" / "kiosk.toml"


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def both(self, sep: str = "\n") -> str:
        return f"{self.zh}{sep}{self.en}"


@lru_cache(maxsize=1)
def _table() -> dict:
    with open(TEXTS_FILE, "rb") as fh:
        return tomllib.load(fh)


def text(key: str, **values: object) -> Text:
    node = _table()
    for part in key.split("."):
        node = node[part]
    return Text(node["zh"].format(**values), node["en"].format(**values))
