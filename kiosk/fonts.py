"""Register a CJK font as Kivy's default before any widget is built (Kivy ships none)."""
from __future__ import annotations

import os
import tomllib

from provisioning.paths import ASSETS

FONTS_FILE = ASSETS / "fonts.toml"


class NoCjkFont(RuntimeError):
    pass


def find_cjk_font() -> str:
    with open(FONTS_FILE, "rb") as fh:
        candidates = tomllib.load(fh)["cjk"]
    for path in candidates:
        if os.path.exists(path):
            return path
    raise NoCjkFont("no CJK font found (没有中文字体): install fonts-wqy-microhei or list one in "
                    f"{FONTS_FILE}; looked for {', '.join(candidates)}")


def register_cjk_font() -> str:
    from kivy.core.text import DEFAULT_FONT, LabelBase
    path = find_cjk_font()
    LabelBase.register(DEFAULT_FONT, path)
    return path
