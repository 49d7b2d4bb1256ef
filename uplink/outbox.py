"""The durable outbox: an accepted application is written here before the citizen gets a receipt.

SQLite in WAL mode with synchronous writes holds the records; each material file is sealed (AES-GCM,
key under ``$KIOSK_HOME/keys``) in ``$KIOSK_HOME/outbox/files``. Until the sender lands (the uplink
issue) applications wait here; ``kioskctl apply`` and the app both enqueue through ``accept``.
"""
from __future__ import annotations

import errno
import json
import sqlite3
import time
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flows.materials import MaterialFile
from flows.numbers import application_number

from .atomic import remove, write_atomic
from .sealing import SealedBox

SCHEMA = """
CREATE TABLE IF NOT EXISTS applications (
    number TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    record BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS materials (
    number TEXT NOT NULL REFERENCES applications(number),
    material_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (number, material_id, position)
);
CREATE TABLE IF NOT EXISTS sequences (
    day TEXT NOT NULL,
    station INTEGER NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (day, station)
);
"""


class OutboxError(Exception):
    """The outbox cannot take an application; ``zh``/``en`` are for the screen, the message for logs."""

    def __init__(self, message: str, zh: str, en: str) -> None:
        super().__init__(message)
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Queued:
    number: str
    idempotency_key: str
    created: float
    state: str
    materials: tuple[tuple[str, str, int], ...]     # (material id, sha256, size)


class Outbox:
    def __init__(self, home: Path) -> None:
        self.dir = home / "outbox"
        self.files = self.dir / "files"
        self.files.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.box = SealedBox.from_key_file(home / "keys" / "outbox.key")
        self.db_path = self.dir / "outbox.sqlite3"
        with closing(self._connect()) as db:
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def next_number(self, region_code: str, station: int, day: date) -> str:
        """A fresh application number; the sequence survives restarts and is shared by every process."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT value FROM sequences WHERE day = ? AND station = ?",
                             (day.isoformat(), station)).fetchone()
            value = (row[0] if row else 0) + 1
            db.execute("INSERT OR REPLACE INTO sequences (day, station, value) VALUES (?, ?, ?)",
                       (day.isoformat(), station, value))
            db.execute("COMMIT")
        return application_number(region_code, day, station, value)

    def accept(self, record: Mapping, files: Mapping[str, Sequence[MaterialFile]], idempotency_key: str) -> None:
        """Store the application and its files durably, or raise OutboxError and store nothing."""
        number = record["application_number"]
        written: list[Path] = []
        try:
            for items in files.values():
                for item in items:
                    path = self.files / f"{item.sha256}.bin"
                    if not path.exists():
                        write_atomic(path, self.box.seal(item.data, f"material:{item.sha256}"))
                        written.append(path)
            sealed = self.box.seal(json.dumps(record, ensure_ascii=False).encode(), f"application:{number}")
            with closing(self._connect()) as db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO applications (number, idempotency_key, created, record) VALUES (?, ?, ?, ?)",
                           (number, idempotency_key, time.time(), sealed))
                db.executemany(
                    "INSERT INTO materials (number, material_id, position, name, sha256, size) VALUES (?, ?, ?, ?, ?, ?)",
                    [(number, mid, pos, item.name, item.sha256, item.size)
                     for mid, items in files.items() for pos, item in enumerate(items)])
                db.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            raise OutboxError(f"application {number} or key {idempotency_key} already queued: {exc}",
                              "这份申请已经提交过了", "this application was already submitted") from exc
        except (OSError, sqlite3.OperationalError) as exc:
            for path in written:
                remove(path)
            full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT) or "full" in str(exc)
            raise OutboxError(
                f"outbox write failed: {exc}",
                "终端存储空间已满，暂时不能受理新的申请，请到窗口办理" if full else "终端暂时不能保存申请，请到窗口办理",
                "the kiosk's storage is full; please apply at a window" if full
                else "the kiosk cannot save applications right now; please apply at a window") from exc

    def record(self, number: str) -> dict:
        with closing(self._connect()) as db:
            row = db.execute("SELECT record FROM applications WHERE number = ?", (number,)).fetchone()
        if row is None:
            raise KeyError(number)
        return json.loads(self.box.open(row[0], f"application:{number}"))

    def material(self, sha256: str) -> bytes:
        return self.box.open((self.files / f"{sha256}.bin").read_bytes(), f"material:{sha256}")

    def queued(self) -> list[Queued]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT number, idempotency_key, created, state FROM applications ORDER BY created").fetchall()
            materials = db.execute("SELECT number, material_id, sha256, size FROM materials ORDER BY number, material_id, position").fetchall()
        by_number: dict[str, list[tuple[str, str, int]]] = {}
        for number, mid, sha, size in materials:
            by_number.setdefault(number, []).append((mid, sha, size))
        return [Queued(number, key, created, state, tuple(by_number.get(number, ()))) for number, key, created, state in rows]
