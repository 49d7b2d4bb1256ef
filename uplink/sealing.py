"""Personal data at rest: AES-256-GCM with a key kept apart from the data it protects.

The key lives under ``$KIOSK_HOME/keys`` (0600, the kiosk's user only); the sealed files live elsewhere,
so a copied queue or draft directory alone reveals nothing. Each blob is bound to its purpose and name
(associated data), so a file moved to another place does not open.
"""
from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .atomic import write_atomic

FORMAT = b"K1"
NONCE_BYTES = 12


class SealError(ValueError):
    """A sealed file that does not open: damaged, truncated, moved, or sealed with another key."""


class SealedBox:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def from_key_file(cls, path: Path) -> SealedBox:
        """Open the key at ``path``, creating a new random one (0600) the first time."""
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            key = AESGCM.generate_key(bit_length=256)
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomic(path, key, mode=0o600, exclusive=True)
            key = path.read_bytes()     # another process may have won the race: use what is on disk
        if len(key) != 32:
            raise SealError(f"{path}: a key must be 32 bytes, found {len(key)}")
        return cls(key)

    def seal(self, data: bytes, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT + nonce + self._aead.encrypt(nonce, data, context.encode())

    def open(self, blob: bytes, context: str) -> bytes:
        if not blob.startswith(FORMAT) or len(blob) < len(FORMAT) + NONCE_BYTES + 16:
            raise SealError(f"{context}: not a sealed file")
        nonce = blob[len(FORMAT):len(FORMAT) + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, blob[len(FORMAT) + NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise SealError(f"{context}: damaged or sealed with another key") from None
