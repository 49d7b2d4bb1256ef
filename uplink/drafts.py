"""The application in progress, kept on disk so a power cut does not lose or leak it.

One draft at a time per kiosk. Its snapshot and captured files are sealed with a key used for this
draft only; ``clear()`` deletes the files and the key, so nothing the citizen gave can be read back
afterwards even from a copy of the disk (crypto-shredding: flash storage cannot be overwritten
reliably).
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from .atomic import remove, write_atomic
from .sealing import SealedBox, SealError

log = logging.getLogger(__name__)


class DraftStore:
    def __init__(self, home: Path) -> None:
        self.dir = home / "drafts"
        self.key_path = home / "keys" / "draft.key"
        self._box: SealedBox | None = None

    @property
    def box(self) -> SealedBox:
        if self._box is None:
            self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._box = SealedBox.from_key_file(self.key_path)
        return self._box

    def save(self, snapshot: dict) -> None:
        data = json.dumps(snapshot, ensure_ascii=False).encode()
        write_atomic(self.dir / "draft.bin", self.box.seal(data, "draft"))

    def put_file(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        path = self.dir / f"{sha}.bin"
        if not path.exists():
            write_atomic(path, self.box.seal(data, f"file:{sha}"))
        return sha

    def get_file(self, sha256: str) -> bytes:
        data = self.box.open((self.dir / f"{sha256}.bin").read_bytes(), f"file:{sha256}")
        if hashlib.sha256(data).hexdigest() != sha256:
            raise SealError(f"file:{sha256}: content does not match its name")
        return data

    def load(self) -> dict | None:
        """The saved snapshot, or None. A draft that does not open is dropped: it cannot be resumed and
        must not linger."""
        path = self.dir / "draft.bin"
        if not path.exists():
            return None
        try:
            return json.loads(self.box.open(path.read_bytes(), "draft"))
        except (OSError, SealError, ValueError) as exc:
            log.warning("draft unreadable, dropped", extra={"event": "draft_dropped", "reason": str(exc)})
            self.clear()
            return None

    def clear(self) -> None:
        if self.dir.exists():
            for path in self.dir.iterdir():
                remove(path)
        remove(self.key_path)
        self._box = None
