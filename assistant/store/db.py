"""The connection: opening, locking, transactions, migrations and scrubbing deleted text.

Nothing a person types and sends may be lost, so every write is its own committed
transaction in a WAL-mode SQLite file with ``synchronous=FULL``: once a method returns, the
data survives a crash, a power cut or ``kill -9``, and an unfinished session resumes exactly
where it stopped (its flow position lives in ``state_json``).

Reflections can hold sensitive details about real children, so the database and its folder
are owner-only (0600 / 0700), deleted rows are overwritten (``secure_delete``), and deleting a
session removes every trace of it, including its words in the full-text index.

Another program may hold the write lock for a while (a second reflect, a backup tool): every
write waits a bounded time (``busy_timeout``), retries once, then raises :class:`StoreBusy`,
so callers can keep what they were saving and try again. Opening the store never needs the
write lock once the schema is current, and ``readonly=True`` opens it without ever writing
(for `sessions list`, `show` and `export`, and for folders that are read-only). A file that is
not a sound database raises :class:`StoreDamaged` and is never written to.

Text that is deleted or edited away must leave the files, not only the tables: after such a
change the WAL is checkpointed and truncated. A reader in another process can hold that off;
then :attr:`Store.scrub_pending` is set and later writes (or :meth:`Store.finish_scrub`) finish it.

Schema changes are named, append-only migrations (``MIGRATIONS``), applied in order and
recorded in ``_migrations``. Never edit one that has shipped: append a new one.

Text is data: every value goes through parameterised SQL and round-trips exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

from assistant.fileio import ensure_private_dir
from assistant.store.errors import (NotFound, StoreBusy, StoreDamaged, StoreError, StoreReadOnly,
                                    StoreUnavailable)
from assistant.store.migrations import MIGRATIONS, _split_sql
from assistant.store.records import Action, Pin, Session, Turn, _first_line, _now

DB_NAME = "reflect.db"

#: How long a write waits for another program's lock before one retry (seconds).
DEFAULT_BUSY_TIMEOUT = 5.0


class Database:
    """One connection and its plumbing; the table modules build on it (see `Store`)."""

    def __init__(self, path: Path, *, clock: Callable[[], str] | None = None,
                 new_id: Callable[[], str] | None = None, readonly: bool = False,
                 readonly_reason: str = "", immutable: bool = False, folder_writable: bool = True,
                 busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        """Open (creating it if needed) the database at `path`.

        `readonly` opens it without writing anything, not even the file (a missing database
        reads as empty); `readonly_reason` is the message writes then fail with, and
        `immutable` reads a file in a folder nobody can write (SQLite then needs no -shm), and
        `folder_writable=False` says the folder must not be written (no -wal/-shm made there).
        `clock` (ISO-8601 UTC text) and `new_id` can be given for repeatable tests and records.
        """
        self.path = Path(path)
        self.readonly = readonly
        self.readonly_reason = readonly_reason or f"{self.path} was opened read-only"
        self.busy_timeout = busy_timeout
        self.scrub_pending = False
        self._clock = clock or _now
        self._new_id = new_id or (lambda: secrets.token_hex(4))
        self._lock = threading.RLock()
        self._closed = False
        if readonly:
            self._conn = self._connect_readonly(immutable, folder_writable)
            return
        try:
            ensure_private_dir(self.path.parent)
            if not self.path.exists():
                # Create the file owner-only before SQLite opens it, so it is never readable by
                # others, not even for a moment (SQLite gives -wal/-shm the same mode).
                self.path.touch(mode=0o600, exist_ok=True)
            st = self.path.stat()
            if st.st_mode & 0o077 and st.st_uid == os.geteuid():
                self.path.chmod(0o600)
        except OSError as exc:
            raise StoreReadOnly(f"{self.path} cannot be written ({exc.strerror or exc}); check that the folder "
                                "is yours and writable, or use --data-dir with another folder") from exc
        self._precheck()
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
        )
        self._conn.row_factory = sqlite3.Row
        try:
            self._conn.execute("PRAGMA journal_mode=WAL").fetchone()
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA secure_delete=ON")
            self._migrate()
        except sqlite3.OperationalError as exc:
            self._conn.close()
            raise self._translate(exc) from exc
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise StoreDamaged(self.path, str(exc)) from exc
        except BaseException:
            self._conn.close()
            raise
        self._secure_sidecars()
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists() and wal.stat().st_size:
            self.scrub_pending = True  # text a reader held back last time leaves the file now, if it can
            self._checkpoint(wait=0.0)

    def _connect_readonly(self, immutable: bool, folder_writable: bool) -> sqlite3.Connection:
        if not self.path.exists():
            # Nothing saved yet: an empty store in memory answers every read.
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            self._conn = conn
            self._migrate()
            return conn
        self._precheck()
        try:
            if folder_writable and not immutable:
                # An ordinary connection (the store refuses every write through it), so that it
                # tidies its -wal and -shm on close, as a read-only one cannot.
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                       timeout=self.busy_timeout)
            else:
                uri = f"{self.path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
                conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                                       timeout=self.busy_timeout)
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"{self.path}: cannot open ({exc}); check it is yours and readable") from exc
        conn.row_factory = sqlite3.Row
        return conn

    def _precheck(self) -> None:
        """Refuse a file that is not a sound reflect database, before anything opens it for real.

        The check reads through an immutable, read-only connection: no -wal or -shm is made and
        nothing can be written, so a damaged file stays exactly as it was. A page-level check
        (``quick_check``) finds truncation and garbage; a database whose migration records are
        missing while its tables exist is damaged too, and must never have migration 001 run
        over it again.
        """
        try:
            if self.path.stat().st_size == 0:
                return  # a new file, about to be set up
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"{self.path}: cannot open ({exc}); check it is yours and readable") from exc
        try:
            result = [r[0] for r in conn.execute("PRAGMA quick_check(3)").fetchall()]
            if result != ["ok"]:
                raise StoreDamaged(self.path, "; ".join(str(r) for r in result)[:200])
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "_migrations" not in tables:
                raise StoreDamaged(self.path, "its migration records are missing")
            if "_migrations" in tables:
                applied = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
                if "sessions" in tables and MIGRATIONS[0][0] not in applied:
                    raise StoreDamaged(self.path, "its migration records do not match its tables")
                if "sessions" not in tables and applied:
                    raise StoreDamaged(self.path, "its tables are missing")
        except sqlite3.DatabaseError as exc:
            raise StoreDamaged(self.path, str(exc)) from exc
        finally:
            conn.close()

    def _translate(self, exc: sqlite3.Error) -> StoreError:
        """The store's own error for what SQLite said: busy, read-only or damaged."""
        message = str(exc).lower()
        if "locked" in message or "busy" in message:
            return StoreBusy(self.path)
        if "readonly" in message or "read-only" in message:
            return StoreReadOnly(f"{self.path} cannot be written ({exc}); check that the folder and "
                                 "file are yours and writable, or use --data-dir with another folder")
        if isinstance(exc, sqlite3.OperationalError) and ("unable to open" in message or "disk i/o" in message):
            return StoreUnavailable(f"{self.path}: {exc}; check the folder is yours, readable and writable")
        return StoreDamaged(self.path, str(exc))

    # ------------------------------------------------------------------ plumbing

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database (checkpointing the WAL into the main file)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def _secure_sidecars(self) -> None:
        """Make the -wal and -shm files owner-only too, once SQLite has created them."""
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            try:
                if side.stat().st_mode & 0o077:
                    side.chmod(0o600)
            except (FileNotFoundError, PermissionError):
                pass

    def _begin(self) -> None:
        """Take the write lock: SQLite waits `busy_timeout`, then one retry, then StoreBusy."""
        if self.readonly:
            raise StoreReadOnly(self.readonly_reason)
        for attempt in (1, 2):
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                error = self._translate(exc)
                if not isinstance(error, StoreBusy) or attempt == 2:
                    raise error from exc
                time.sleep(0.05)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed (and fsynced) before the block's caller returns."""
        with self._lock:
            if self._closed:
                raise StoreError("the store is closed")
            self._begin()
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                if self._conn.in_transaction:
                    try:
                        self._conn.execute("ROLLBACK")
                    except sqlite3.Error:  # pragma: no cover - the connection is unusable
                        pass
                if _environmental(exc):
                    raise self._translate(exc) from exc
                raise
        self._secure_sidecars()
        if self.scrub_pending:
            self._checkpoint(wait=0.0)

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            if self._closed:
                raise StoreError("the store is closed")
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                if not _environmental(exc):
                    raise
                raise self._translate(exc) from exc

    def _migrate(self) -> None:
        """Apply, in order, every migration not yet recorded in ``_migrations``.

        Checked with a plain read first: a current database is opened without the write lock,
        so a command that only reads never waits for (or is refused by) another writer.
        """
        conn = self._conn
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        applied = set()
        if "_migrations" in tables:
            applied = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
        if all(name in applied for name, _ in MIGRATIONS):
            return
        if self.readonly and self.path.exists():
            raise StoreReadOnly(f"{self.path} needs an upgrade that a read-only open cannot make; "
                                "run a reflect command that saves (or the app) once with write access")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations "
            "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        for name, sql in MIGRATIONS:
            conn.execute("BEGIN IMMEDIATE")
            try:
                done = conn.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone()
                if not done:
                    for statement in _split_sql(sql):
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, self._clock())
                    )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def applied_migrations(self) -> list[str]:
        """Names of the migrations this database has had, in the order applied."""
        return [r["name"] for r in self._read("SELECT name FROM _migrations ORDER BY rowid")]

    # ------------------------------------------------------------------ rows -> objects

    @staticmethod
    def _session(row: sqlite3.Row) -> Session:
        keys = row.keys()
        preview = row["first_answer"] if "first_answer" in keys else None
        return Session(
            id=row["id"],
            kind=row["kind"],
            title=row["title"],
            flow=row["flow"],
            strand=row["strand"],
            stage=row["stage"],
            status=row["status"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            finished_at=row["finished_at"],
            state=json.loads(row["state_json"] or "{}"),
            meta=json.loads(row["meta_json"] or "{}"),
            first_answer=_first_line(preview),
        )

    @staticmethod
    def _turn(row: sqlite3.Row) -> Turn:
        return Turn(
            id=row["id"],
            session_id=row["session_id"],
            seq=row["seq"],
            role=row["role"],
            kind=row["kind"],
            step=row["step"],
            speaker=row["speaker"],
            text=row["text"],
            created_at=row["created_at"],
            edited_at=row["edited_at"],
        )

    @staticmethod
    def _pin(row: sqlite3.Row) -> Pin:
        return Pin(**{k: row[k] for k in row.keys()})

    @staticmethod
    def _action(row: sqlite3.Row) -> Action:
        values = {k: row[k] for k in row.keys()}
        values["due"] = dt.date.fromisoformat(values["due"]) if values["due"] else None
        return Action(**values)

    def _require_session(self, conn: sqlite3.Connection, session_id: str) -> None:
        if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
            raise NotFound(f"no session with id '{session_id}'")

    @staticmethod
    def _touch(conn: sqlite3.Connection, session_id: str, now: str) -> None:
        conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))

    @staticmethod
    def _purge_index(conn: sqlite3.Connection) -> None:
        # FTS5 deletes are tombstones until segments merge; 'optimize' merges them now, so
        # removed words really leave the index (secure_delete then zeroes the old pages).
        conn.execute("INSERT INTO turns_fts (turns_fts) VALUES ('optimize')")

    def _checkpoint(self, wait: float) -> bool:
        """Copy the WAL into the main file and empty it, so removed text leaves the WAL too.

        A reader in another process can hold the old pages for a while; this waits up to
        `wait` seconds for it, and otherwise leaves :attr:`scrub_pending` set. True when done.
        """
        deadline = time.monotonic() + wait
        with self._lock:
            if self._closed or self.readonly:
                return False
            while True:
                remaining = max(0.0, deadline - time.monotonic())
                try:
                    self._conn.execute(f"PRAGMA busy_timeout = {int(min(remaining, 1.0) * 1000)}")
                    busy, _, _ = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                except sqlite3.OperationalError:
                    busy = 1
                finally:
                    self._conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                if not busy:
                    self.scrub_pending = False
                    return True
                if time.monotonic() >= deadline:
                    self.scrub_pending = True
                    return False
                time.sleep(0.05)

    def finish_scrub(self, wait: float = 0.0) -> bool:
        """Finish a checkpoint a reader held off (see :attr:`scrub_pending`); True when none is left."""
        if not self.scrub_pending:
            return True
        return self._checkpoint(wait=wait)


def _environmental(exc: BaseException) -> bool:
    """An error about the file or other programs (busy, read-only, I/O, corruption), not our SQL."""
    if isinstance(exc, sqlite3.OperationalError):
        return "syntax error" not in str(exc) and "no such function" not in str(exc)
    return type(exc) is sqlite3.DatabaseError
