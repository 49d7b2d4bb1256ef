"""Files that survive a power cut: written whole or not at all, and removed without a trace of content."""
from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path, data: bytes, mode: int = 0o600, exclusive: bool = False) -> None:
    """Write to a temporary file, fsync it, rename it over ``path`` and fsync the directory, so after a
    power cut ``path`` holds either the old or the new bytes. ``exclusive``: leave an existing file be."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    sync_dir(path.parent)


def sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove(path: Path) -> None:
    """Delete a sealed file. The content is ciphertext whose key stays behind, so unlinking is enough;
    overwriting in place gives no guarantee on flash storage anyway."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    sync_dir(path.parent)
