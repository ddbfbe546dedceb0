"""Private folders and atomic writes.

Reflections can hold sensitive details about real children, so what this app writes is
readable by its owner alone, and a file is either the old version or the new one: never a
half-written mix after a crash or a full disk.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["ensure_private_dir", "atomic_write_text", "atomic_write_bytes"]


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and make it owner-only (0700).

    The folder holds the session database and exported logs, so other local users must not
    be able to list or read it.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _fsync_dir(folder: Path) -> None:
    """Flush the folder entry so the rename itself survives a power cut (POSIX only)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600) -> Path:
    """Write ``data`` to ``path`` atomically with permissions ``mode``.

    The bytes go to a temporary file in the same folder (created with ``mode`` from the
    start, so there is no moment when it is world-readable), are fsynced, then renamed over
    the target with ``os.replace``. A reader sees the old file or the new one, never a part.
    """
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        else:  # pragma: no cover - Windows
            os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(folder)
    return path


def atomic_write_text(path: Path, text: str, mode: int = 0o600) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically (see :func:`atomic_write_bytes`).

    Newlines are written exactly as given (no platform translation), so a log reads the
    same on every machine.
    """
    return atomic_write_bytes(path, text.encode("utf-8"), mode)
