"""The data folder: whether it can be written, opening its store, and tidying what it holds.

One place decides what reflect may do with the folder, so the command line and the app give
the same one-line answer for a folder that is read-only, belongs to someone else or holds a
damaged database, instead of a traceback, and never change a folder the owner made stricter.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from assistant.fileio import remove_stale_temp_files, temp_files_for
from assistant.paths import Paths
from assistant.store import DB_NAME, Store, StoreError, StoreUnavailable

__all__ = ["ENV_BUSY_TIMEOUT", "busy_timeout", "folder_problem", "open_store", "open_fallback_store",
           "tidy", "session_logs", "remove_session_logs"]

ENV_BUSY_TIMEOUT = "REFLECT_BUSY_TIMEOUT"
CLI_BUSY_TIMEOUT = 5.0
APP_BUSY_TIMEOUT = 0.5  # the app writes from its UI thread: it must never freeze for long


def busy_timeout(default: float = CLI_BUSY_TIMEOUT) -> float:
    """Seconds a write waits for another program's lock (``REFLECT_BUSY_TIMEOUT`` overrides)."""
    raw = os.environ.get(ENV_BUSY_TIMEOUT, "")
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if 0 <= value <= 600 else default


def folder_problem(folder: Path) -> str | None:
    """Why reflect must not write in `folder` (an existing one), or None when it may.

    Someone else's folder is refused (whatever the permission bits say, even for root), and so
    is one whose owner took away their own write permission: both are deliberate.
    """
    try:
        st = folder.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{folder}: cannot open the data folder ({exc.strerror or exc}); use --data-dir with a folder of your own"
    if st.st_uid != os.geteuid():
        return (f"{folder} belongs to someone else; reflect keeps sessions only in a folder of your own: "
                "use --data-dir (or REFLECT_DATA_DIR) with one")
    if not st.st_mode & 0o200 or not os.access(folder, os.W_OK | os.X_OK):
        return (f"{folder} is read-only (mode {st.st_mode & 0o777:04o}): make it writable (chmod u+w) "
                "to save, or use --data-dir with another folder")
    return None


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def open_store(paths: Paths, *, write: bool, timeout: float | None = None) -> Store:
    """The session store for a command; raises StoreError with a one-line message.

    `write=False` (list, show, export) opens it read-only: no write lock, no file created, and
    it works in a folder reflect may not write.
    """
    folder = paths.data_dir
    wait = busy_timeout() if timeout is None else timeout
    problem = folder_problem(folder) if folder.exists() else None
    if not write:
        db = paths.database
        if not folder.exists() or not db.exists():
            return Store(db, readonly=True, busy_timeout=wait)
        wal = db.with_name(db.name + "-wal")
        immutable = problem is not None and not wal.exists()
        return Store(db, readonly=True, immutable=immutable, folder_writable=problem is None,
                     readonly_reason=problem or "", busy_timeout=wait)
    if problem is None and not folder.exists():
        parent = _nearest_existing(folder)
        if not os.access(parent, os.W_OK | os.X_OK):
            problem = f"{folder} cannot be created ({parent} is not writable); use --data-dir with a folder of your own"
    if problem is not None:
        raise StoreUnavailable(problem)
    store = Store(paths.database, busy_timeout=wait)
    tidy(paths)
    return store


def open_fallback_store(paths: Paths, timeout: float = APP_BUSY_TIMEOUT) -> tuple[Store, str]:
    """For the app: the best store it can have, and why it is read-only ("" when it is not).

    A read-only or foreign folder still shows its sessions; a damaged database is left
    untouched and the app carries on with an empty, read-only store.
    """
    try:
        return open_store(paths, write=True, timeout=timeout), ""
    except StoreError as exc:
        reason = str(exc)
    try:
        problem = folder_problem(paths.data_dir)
        wal = paths.database.with_name(DB_NAME + "-wal")
        return Store(paths.database, readonly=True, readonly_reason=reason, busy_timeout=timeout,
                     immutable=problem is not None and not wal.exists(), folder_writable=problem is None), reason
    except StoreError:
        missing = paths.data_dir / ".reflect-unavailable" / DB_NAME  # never exists: an empty store
        return Store(missing, readonly=True, readonly_reason=reason, busy_timeout=timeout), reason


def tidy(paths: Paths) -> list[Path]:
    """Remove temporary files that killed exports left behind (full copies of a log)."""
    removed = []
    for folder in (paths.logs_dir, paths.data_dir):
        if folder.is_dir():
            removed += remove_stale_temp_files(folder)
    return removed


def _log_name(session_id: str) -> str:
    """The file names an export of this session can have (every format's suffix)."""
    from assistant.services.export import LOG_SUFFIXES

    suffixes = "|".join(re.escape(suffix) for suffix in LOG_SUFFIXES.values())
    return rf".*-{re.escape(session_id)}(?:{suffixes})"


def session_logs(logs_dir: Path, session_id: str) -> list[Path]:
    """The logs exported for this session into `logs_dir` (their names end in its id)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", session_id) or not logs_dir.is_dir():
        return []
    pattern = re.compile(_log_name(session_id))
    return sorted(p for p in logs_dir.iterdir() if pattern.fullmatch(p.name) and p.is_file())


def remove_session_logs(logs_dir: Path, session_id: str) -> list[Path]:
    """Delete the session's exported logs and any temporary copies of them; returns the logs removed."""
    removed = []
    for log in session_logs(logs_dir, session_id):
        for tmp in temp_files_for(logs_dir, log.name):
            tmp.unlink(missing_ok=True)
        log.unlink(missing_ok=True)
        removed.append(log)
    pattern = re.compile(_log_name(session_id))
    for tmp in temp_files_for(logs_dir):
        name = tmp.name[1:].rsplit(".", 2)[0]
        if pattern.fullmatch(name):
            tmp.unlink(missing_ok=True)
    return removed
