"""Private folders and atomic writes.

Reflections can hold sensitive details about real children, so what this app writes is
readable by its owner alone, and a file is either the old version or the new one: never a
half-written mix after a crash or a full disk.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from pathlib import Path

__all__ = ["ensure_private_dir", "atomic_write_text", "atomic_write_bytes", "remove_stale_temp_files",
           "temp_files_for"]

# Temporary files are `.NAME.PID-RANDOM.tmp`: the PID says whether their writer still runs.
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?:(?P<pid>\d+)-)?[A-Za-z0-9_]{6,}\.tmp$")
# A temporary file of an older version (no PID) is stale once it is this old.
_LEGACY_TEMP_AGE_S = 300.0


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed, owner-only (0700), and keep it that way.

    The folder holds the session database and exported logs, so other local users must not
    be able to list or read it. A folder the owner made stricter (0500, say) is left as it is:
    only group and other bits are ever taken away, and only from a folder of our own.
    """
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.stat()
    if st.st_mode & 0o077 and st.st_uid == os.geteuid():
        os.chmod(path, st.st_mode & 0o700)
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
    tmp = folder / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
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


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def _stale(entry: os.DirEntry[str], pid: str | None, now: float) -> bool:
    if pid is not None:
        return not _running(int(pid))
    try:
        return now - entry.stat().st_mtime > _LEGACY_TEMP_AGE_S
    except OSError:
        return False


def temp_files_for(folder: Path, name: str | None = None) -> list[Path]:
    """Temporary files left in `folder` by `atomic_write_bytes` (for the file `name`, or any)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    found = []
    for entry in entries:
        m = _TEMP.match(entry.name)
        if m and (name is None or m.group("name") == name) and entry.is_file(follow_symlinks=False):
            found.append(Path(entry.path))
    return sorted(found)


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete temporary files whose writer was killed before it could rename them.

    They are full copies of a log (a kill -9 during an export leaves one), so they must not
    pile up. A file whose writer is still running is left alone; returns what was removed.
    """
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        m = _TEMP.match(entry.name)
        if not m or not entry.is_file(follow_symlinks=False) or not _stale(entry, m.group("pid"), now):
            continue
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed
