"""The kiosk's data directory: every piece of state (configuration, queue, keys, logs) lives under
``KIOSK_HOME``, so several simulated kiosks run side by side and tests never touch a real one."""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOME = Path("/var/lib/kiosk")
SUBDIRS = ("logs", "run", "keys", "outbox")


def kiosk_home() -> Path:
    return Path(os.environ.get("KIOSK_HOME") or DEFAULT_HOME)


def ensure_home(home: Path | None = None) -> Path:
    """Create the data directory and its parts, private to the kiosk's user."""
    home = home or kiosk_home()
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        for sub in SUBDIRS:
            (home / sub).mkdir(mode=0o700, exist_ok=True)
    except PermissionError as exc:
        raise PermissionError(
            f"cannot create the kiosk data directory {home}: {exc.strerror}. "
            "Set KIOSK_HOME to a writable directory (无法创建数据目录，请设置 KIOSK_HOME)") from exc
    return home
