"""The session database: reflections, group sessions, turns, pinned cases, actions.

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
import re
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from assistant.fileio import ensure_private_dir

__all__ = [
    "DB_NAME",
    "MIGRATIONS",
    "Action",
    "AmbiguousId",
    "CoverageMark",
    "NotFound",
    "StoreBusy",
    "StoreDamaged",
    "StoreReadOnly",
    "StoreUnavailable",
    "Pin",
    "Session",
    "Store",
    "StoreError",
    "Turn",
]

DB_NAME = "reflect.db"

SessionKind = Literal["reflection", "group"]
Role = Literal["assistant", "practitioner", "participant", "facilitator", "system"]
ActionStatus = Literal["open", "done", "carried", "dropped"]

SESSION_KINDS = frozenset({"reflection", "group"})
ROLES = frozenset({"assistant", "practitioner", "participant", "facilitator", "system"})
ACTION_STATUSES = frozenset({"open", "done", "carried", "dropped"})
COVERAGE_STATES = frozenset({"suggested", "confirmed", "cleared"})

# Named, append-only migrations. Each runs in one transaction with its record in _migrations.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "001_initial",
        """
        CREATE TABLE sessions (
            id          TEXT PRIMARY KEY,
            kind        TEXT NOT NULL CHECK (kind IN ('reflection', 'group')),
            title       TEXT NOT NULL DEFAULT '',
            flow        TEXT NOT NULL DEFAULT '',
            strand      TEXT NOT NULL DEFAULT '',
            stage       TEXT NOT NULL DEFAULT '',
            status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'finished')),
            created_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL,
            finished_at TEXT,
            state_json  TEXT NOT NULL DEFAULT '{}',
            meta_json   TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX sessions_created ON sessions (created_at);

        CREATE TABLE turns (
            id         INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            seq        INTEGER NOT NULL,
            role       TEXT NOT NULL CHECK (role IN
                           ('assistant', 'practitioner', 'participant', 'facilitator', 'system')),
            kind       TEXT NOT NULL DEFAULT 'answer',
            step       TEXT,
            speaker    TEXT,
            text       TEXT NOT NULL,
            created_at TEXT NOT NULL,
            edited_at  TEXT,
            UNIQUE (session_id, seq)
        );

        CREATE TABLE pins (
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            case_id    TEXT NOT NULL,
            title      TEXT NOT NULL DEFAULT '',
            snippet    TEXT NOT NULL DEFAULT '',
            reason     TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            PRIMARY KEY (session_id, case_id)
        );

        CREATE TABLE actions (
            id                  INTEGER PRIMARY KEY,
            session_id          TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            text                TEXT NOT NULL,
            owner               TEXT,
            due                 TEXT,
            status              TEXT NOT NULL DEFAULT 'open'
                                CHECK (status IN ('open', 'done', 'carried', 'dropped')),
            created_at          TEXT NOT NULL,
            followup            TEXT,
            followup_session_id TEXT REFERENCES sessions (id) ON DELETE SET NULL,
            resolved_at         TEXT
        );
        CREATE INDEX actions_session ON actions (session_id);
        CREATE INDEX actions_status ON actions (status, created_at);
        CREATE INDEX actions_followup ON actions (followup_session_id);

        CREATE TABLE coverage (
            session_id     TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            expectation_id TEXT NOT NULL,
            turn_id        INTEGER REFERENCES turns (id) ON DELETE CASCADE,
            created_at     TEXT NOT NULL,
            PRIMARY KEY (session_id, expectation_id)
        );
        CREATE INDEX coverage_turn ON coverage (turn_id);
        """,
    ),
    (
        "002_turns_fts",
        """
        CREATE VIRTUAL TABLE turns_fts USING fts5 (
            text,
            content = 'turns',
            content_rowid = 'id',
            tokenize = 'porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN
            INSERT INTO turns_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN
            INSERT INTO turns_fts (turns_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER turns_fts_update AFTER UPDATE OF text ON turns BEGIN
            INSERT INTO turns_fts (turns_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO turns_fts (rowid, text) VALUES (new.id, new.text);
        END;
        INSERT INTO turns_fts (turns_fts) VALUES ('rebuild');
        """,
    ),
    (
        # A turn's seq is never reused, even after the last turn is deleted: the session keeps
        # the highest seq it ever gave out.
        "003_turn_seq_counter",
        """
        ALTER TABLE sessions ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
        UPDATE sessions SET last_seq =
            (SELECT COALESCE(MAX(seq), 0) FROM turns WHERE turns.session_id = sessions.id);
        """,
    ),
    (
        "004_coverage_evidence",
        """
        ALTER TABLE coverage ADD COLUMN sentence TEXT NOT NULL DEFAULT '';
        ALTER TABLE coverage ADD COLUMN score REAL;
        ALTER TABLE coverage ADD COLUMN state TEXT NOT NULL DEFAULT 'suggested'
            CHECK (state IN ('suggested', 'confirmed', 'cleared'));
        """,
    ),
]

#: How long a write waits for another program's lock before one retry (seconds).
DEFAULT_BUSY_TIMEOUT = 5.0


class StoreError(Exception):
    """Base class for problems the store reports to its callers."""


class StoreUnavailable(StoreError):
    """The database cannot be used as asked; the message names the file and what to do."""


class StoreDamaged(StoreUnavailable):
    """The file is not a sound SQLite database (truncated, overwritten, corrupt)."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        super().__init__(
            f"{path} is damaged ({detail}); nothing was changed: move it aside (for example "
            f"rename it to {path.name}.damaged) and reflect starts a new one, or restore it from a backup"
        )


class StoreReadOnly(StoreUnavailable):
    """The store was opened read-only (by choice, or because its folder cannot be written)."""


class StoreBusy(StoreError):
    """Another program held the write lock for longer than the store waits; try again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"{path} is busy: another program (perhaps reflect in another window) is writing to it; "
            "try again in a moment"
        )


class NotFound(StoreError, LookupError):
    """No session, turn or action with that id."""


class AmbiguousId(StoreError, LookupError):
    """A session id prefix matches more than one session."""

    def __init__(self, prefix: str, matches: list[str]) -> None:
        self.prefix = prefix
        self.matches = matches
        shown = ", ".join(matches[:5]) + (", ..." if len(matches) > 5 else "")
        super().__init__(
            f"'{prefix}' matches {len(matches)} sessions ({shown}); type more of the id"
        )


@dataclass(frozen=True)
class CoverageMark:
    """What the reflection seems to show of one expectation, and what the practitioner said of it.

    ``state``: ``suggested`` by the coverage check, ``confirmed`` or ``cleared`` by the person.
    """

    expectation_id: str
    state: str
    sentence: str = ""
    score: float | None = None
    turn_id: int | None = None


@dataclass(frozen=True)
class Session:
    """One reflection or group session; ``state`` holds what the app needs to resume."""

    id: str
    kind: str
    title: str
    flow: str
    strand: str
    stage: str
    status: str
    created_at: str
    updated_at: str
    finished_at: str | None
    state: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    #: First line of the first answer, for lists of past sessions (None when none yet).
    first_answer: str | None = None


@dataclass(frozen=True)
class Turn:
    """One message in a session: a question, a probe, an answer, a note, a contribution."""

    id: int
    session_id: str
    seq: int
    role: str
    kind: str
    step: str | None
    speaker: str | None
    text: str
    created_at: str
    edited_at: str | None


@dataclass(frozen=True)
class Pin:
    """A case illustration the person kept beside their reflection, and why it matched."""

    session_id: str
    case_id: str
    title: str
    snippet: str
    reason: str
    created_at: str


@dataclass(frozen=True)
class Action:
    """An agreed action and, once followed up in a later session, what became of it."""

    id: int
    session_id: str
    text: str
    owner: str | None
    due: dt.date | None
    status: str
    created_at: str
    followup: str | None
    followup_session_id: str | None
    resolved_at: str | None


def _now() -> str:
    """ISO-8601 UTC to the second: sortable as text and unambiguous across clock changes."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _safe_text(value: str | None) -> str | None:
    """Return ``value`` unchanged unless it holds lone surrogates, which SQLite cannot store.

    Such code points are not valid Unicode; replacing them (rather than failing) means an
    answer is never lost because of one broken character from a terminal.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _dumps(obj: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(obj or {}), ensure_ascii=False, sort_keys=True, default=str)


def _first_line(text: str | None) -> str | None:
    if text is None:
        return None
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _fts_query(query: str) -> str | None:
    """Turn free text into a safe FTS5 query: every word quoted, all words required.

    Quoting each term means characters FTS5 treats as syntax (quotes, ``*``, ``-``, ``:``,
    ``NEAR``, ``AND``, parentheses) are searched for as plain words and never raise.
    """
    terms = re.findall(r"\w+", query)
    if not terms:
        return None
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _minutes_between(start: str | None, end: str | None) -> int:
    if not start or not end:
        return 0
    try:
        delta = dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
    except ValueError:
        return 0
    return max(0, round(delta.total_seconds() / 60))


class Store:
    """The SQLite session store. Open once per process; safe to share between threads.

    Use as a context manager, or call :meth:`close`. Every write method commits before it
    returns.
    """

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

    def __enter__(self) -> Store:
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

    # ------------------------------------------------------------------ sessions

    _SESSION_SELECT = """
        SELECT s.*,
               (SELECT substr(t.text, 1, 2000) FROM turns t
                 WHERE t.session_id = s.id AND t.role IN ('practitioner', 'participant')
                 ORDER BY t.seq LIMIT 1) AS first_answer
          FROM sessions s
    """

    def create_session(
        self,
        kind: SessionKind,
        *,
        title: str = "",
        flow: str = "",
        strand: str = "",
        stage: str = "",
        meta: Mapping[str, Any] | None = None,
    ) -> Session:
        """Start a session and commit it, so even an empty one can be resumed."""
        if kind not in SESSION_KINDS:
            raise ValueError(f"session kind must be one of {sorted(SESSION_KINDS)}, not {kind!r}")
        now = self._clock()
        with self._tx() as conn:
            while True:
                sid = self._new_id()
                if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (sid,)).fetchone():
                    break
            conn.execute(
                "INSERT INTO sessions (id, kind, title, flow, strand, stage, status, created_at,"
                " updated_at, state_json, meta_json) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, '{}', ?)",
                (
                    sid,
                    kind,
                    _safe_text(title),
                    _safe_text(flow),
                    _safe_text(strand),
                    _safe_text(stage),
                    now,
                    now,
                    _safe_text(_dumps(meta)),
                ),
            )
        session = self.get_session(sid)
        assert session is not None
        return session

    def get_session(self, id_or_prefix: str) -> Session | None:
        """Find a session by id or by a unique start of its id (as typed on the command line).

        Raises :class:`AmbiguousId` when the prefix fits several sessions.
        """
        if not id_or_prefix:
            return None
        rows = self._read(self._SESSION_SELECT + " WHERE s.id = ?", (id_or_prefix,))
        if rows:
            return self._session(rows[0])
        rows = self._read(
            self._SESSION_SELECT + " WHERE substr(s.id, 1, ?) = ? ORDER BY s.created_at DESC",
            (len(id_or_prefix), id_or_prefix),
        )
        if len(rows) > 1:
            raise AmbiguousId(id_or_prefix, [r["id"] for r in rows])
        return self._session(rows[0]) if rows else None

    def list_sessions(
        self, kind: SessionKind | None = None, status: Literal["active", "finished"] | None = None
    ) -> list[Session]:
        """Sessions newest first, each with a one-line preview of its first answer."""
        where, params = [], []
        if kind is not None:
            where.append("s.kind = ?")
            params.append(kind)
        if status is not None:
            where.append("s.status = ?")
            params.append(status)
        sql = self._SESSION_SELECT
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY s.created_at DESC, s.rowid DESC"
        return [self._session(r) for r in self._read(sql, tuple(params))]

    def _update_session(self, session_id: str, column: str, value: str) -> None:
        assert column in {"state_json", "meta_json"}
        with self._tx() as conn:
            self._require_session(conn, session_id)
            conn.execute(
                f"UPDATE sessions SET {column} = ?, updated_at = ? WHERE id = ?",
                (value, self._clock(), session_id),
            )

    def set_state(self, session_id: str, state: Mapping[str, Any]) -> None:
        """Replace the resume state (flow position and the like) and commit it."""
        self._update_session(session_id, "state_json", _safe_text(_dumps(state)) or "{}")

    def set_meta(self, session_id: str, meta: Mapping[str, Any]) -> None:
        """Replace the session's metadata (facilitator, participants, timings ...)."""
        self._update_session(session_id, "meta_json", _safe_text(_dumps(meta)) or "{}")

    def finish(self, session_id: str) -> Session:
        """Mark a session finished; the first finishing time is kept if called again."""
        now = self._clock()
        with self._tx() as conn:
            self._require_session(conn, session_id)
            conn.execute(
                "UPDATE sessions SET status = 'finished', finished_at = COALESCE(finished_at, ?),"
                " updated_at = ? WHERE id = ?",
                (now, now, session_id),
            )
        session = self.get_session(session_id)
        assert session is not None
        return session

    def delete_session(self, session_id: str) -> bool:
        """Delete a session and every trace of it; True if it existed.

        Its turns, pins, actions and coverage go (by cascade), its words leave the search
        index, and follow-ups written in it about earlier sessions' actions are undone
        (those actions are open again), because they were typed in this session.
        """
        with self._tx() as conn:
            if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                return False
            conn.execute(
                "UPDATE actions SET status = 'open', followup = NULL, followup_session_id = NULL,"
                " resolved_at = NULL WHERE followup_session_id = ?",
                (session_id,),
            )
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            self._purge_index(conn)
        self._checkpoint(wait=self.busy_timeout)
        return True

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

    # ------------------------------------------------------------------ turns

    def add_turn(
        self,
        session_id: str,
        role: Role,
        text: str,
        *,
        kind: str = "answer",
        step: str | None = None,
        speaker: str | None = None,
    ) -> Turn:
        """Append a turn and commit it before returning: this is the autosave."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}, not {role!r}")
        now = self._clock()
        with self._tx() as conn:
            self._require_session(conn, session_id)
            (seq,) = conn.execute(
                "UPDATE sessions SET last_seq = MAX(last_seq,"
                " (SELECT COALESCE(MAX(seq), 0) FROM turns WHERE session_id = sessions.id)) + 1"
                " WHERE id = ? RETURNING last_seq",
                (session_id,),
            ).fetchone()
            cur = conn.execute(
                "INSERT INTO turns (session_id, seq, role, kind, step, speaker, text, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    seq,
                    role,
                    _safe_text(kind),
                    _safe_text(step),
                    _safe_text(speaker),
                    _safe_text(text),
                    now,
                ),
            )
            self._touch(conn, session_id, now)
            row = conn.execute("SELECT * FROM turns WHERE id = ?", (cur.lastrowid,)).fetchone()
        return self._turn(row)

    def turns(self, session_id: str) -> list[Turn]:
        """The session's turns in the order they were added."""
        rows = self._read("SELECT * FROM turns WHERE session_id = ? ORDER BY seq", (session_id,))
        return [self._turn(r) for r in rows]

    def get_turn(self, turn_id: int) -> Turn | None:
        """One turn by id, or None."""
        rows = self._read("SELECT * FROM turns WHERE id = ?", (turn_id,))
        return self._turn(rows[0]) if rows else None

    def edit_turn(self, turn_id: int, text: str) -> Turn:
        """Replace a turn's text (the search index follows), noting when it was edited."""
        now = self._clock()
        with self._tx() as conn:
            row = conn.execute("SELECT session_id FROM turns WHERE id = ?", (turn_id,)).fetchone()
            if row is None:
                raise NotFound(f"no turn with id {turn_id}")
            conn.execute(
                "UPDATE turns SET text = ?, edited_at = ? WHERE id = ?",
                (_safe_text(text), now, turn_id),
            )
            self._touch(conn, row["session_id"], now)
            self._purge_index(conn)
            row = conn.execute("SELECT * FROM turns WHERE id = ?", (turn_id,)).fetchone()
        self._checkpoint(wait=min(self.busy_timeout, 1.0))  # the old words must leave the WAL
        return self._turn(row)

    def delete_turn(self, turn_id: int) -> bool:
        """Delete a turn (and coverage it was the evidence for); True if it existed."""
        with self._tx() as conn:
            row = conn.execute("SELECT session_id FROM turns WHERE id = ?", (turn_id,)).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM turns WHERE id = ?", (turn_id,))
            self._touch(conn, row["session_id"], self._clock())
            self._purge_index(conn)
        self._checkpoint(wait=min(self.busy_timeout, 1.0))
        return True

    # ------------------------------------------------------------------ pins

    def pin_case(
        self, session_id: str, case_id: str, *, title: str, snippet: str, reason: str = ""
    ) -> Pin:
        """Keep a case beside the session; pinning it again updates the snippet and reason."""
        now = self._clock()
        with self._tx() as conn:
            self._require_session(conn, session_id)
            conn.execute(
                "INSERT INTO pins (session_id, case_id, title, snippet, reason, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, case_id) DO UPDATE SET"
                " title = excluded.title, snippet = excluded.snippet, reason = excluded.reason",
                (
                    session_id,
                    _safe_text(case_id),
                    _safe_text(title),
                    _safe_text(snippet),
                    _safe_text(reason),
                    now,
                ),
            )
            self._touch(conn, session_id, now)
            row = conn.execute(
                "SELECT * FROM pins WHERE session_id = ? AND case_id = ?", (session_id, case_id)
            ).fetchone()
        return self._pin(row)

    def unpin(self, session_id: str, case_id: str) -> bool:
        """Remove a pinned case; True if it was pinned."""
        with self._tx() as conn:
            cur = conn.execute(
                "DELETE FROM pins WHERE session_id = ? AND case_id = ?", (session_id, case_id)
            )
            if cur.rowcount:
                self._touch(conn, session_id, self._clock())
        return bool(cur.rowcount)

    def pins(self, session_id: str) -> list[Pin]:
        """Pinned cases in the order they were pinned."""
        rows = self._read(
            "SELECT * FROM pins WHERE session_id = ? ORDER BY created_at, rowid", (session_id,)
        )
        return [self._pin(r) for r in rows]

    # ------------------------------------------------------------------ actions

    def add_action(
        self,
        session_id: str,
        text: str,
        *,
        owner: str | None = None,
        due: dt.date | None = None,
    ) -> Action:
        """Record an agreed action (open until followed up in a later session)."""
        if due is not None and not isinstance(due, dt.date):
            raise TypeError("due must be a datetime.date or None")
        if isinstance(due, dt.datetime):
            due = due.date()
        now = self._clock()
        with self._tx() as conn:
            self._require_session(conn, session_id)
            cur = conn.execute(
                "INSERT INTO actions (session_id, text, owner, due, status, created_at)"
                " VALUES (?, ?, ?, ?, 'open', ?)",
                (
                    session_id,
                    _safe_text(text),
                    _safe_text(owner),
                    due.isoformat() if due else None,
                    now,
                ),
            )
            self._touch(conn, session_id, now)
            row = conn.execute("SELECT * FROM actions WHERE id = ?", (cur.lastrowid,)).fetchone()
        return self._action(row)

    def actions(self, session_id: str) -> list[Action]:
        """Actions agreed in this session, in the order they were added."""
        rows = self._read("SELECT * FROM actions WHERE session_id = ? ORDER BY id", (session_id,))
        return [self._action(r) for r in rows]

    def get_action(self, action_id: int) -> Action | None:
        """One action by id, or None."""
        rows = self._read("SELECT * FROM actions WHERE id = ?", (action_id,))
        return self._action(rows[0]) if rows else None

    def open_actions(self, exclude_session: str | None = None) -> list[Action]:
        """Outstanding actions from other sessions, oldest first, to follow up now.

        Outstanding means 'open', or 'carried' forward when followed up before (it comes
        back until it is done or dropped). Actions agreed in, or already followed up in,
        ``exclude_session`` are left out.
        """
        sql = "SELECT * FROM actions WHERE status IN ('open', 'carried')"
        params: tuple[Any, ...] = ()
        if exclude_session is not None:
            sql += (
                " AND session_id != ?"
                " AND (followup_session_id IS NULL OR followup_session_id != ?)"
            )
            params = (exclude_session, exclude_session)
        sql += " ORDER BY created_at, id"
        return [self._action(r) for r in self._read(sql, params)]

    def followed_up(self, session_id: str) -> list[Action]:
        """Earlier actions that were followed up in this session (for its log)."""
        rows = self._read(
            "SELECT * FROM actions WHERE followup_session_id = ? ORDER BY resolved_at, id",
            (session_id,),
        )
        return [self._action(r) for r in rows]

    def resolve_action(
        self,
        action_id: int,
        status: ActionStatus,
        followup: str | None = None,
        in_session: str | None = None,
    ) -> Action:
        """Record what became of an action ('done', 'carried', 'dropped', or 'open' again)."""
        if status not in ACTION_STATUSES:
            raise ValueError(f"status must be one of {sorted(ACTION_STATUSES)}, not {status!r}")
        now = self._clock()
        with self._tx() as conn:
            if not conn.execute("SELECT 1 FROM actions WHERE id = ?", (action_id,)).fetchone():
                raise NotFound(f"no action with id {action_id}")
            if in_session is not None:
                self._require_session(conn, in_session)
            resolved = None if status == "open" else now
            conn.execute(
                "UPDATE actions SET status = ?, followup = ?, followup_session_id = ?,"
                " resolved_at = ? WHERE id = ?",
                (status, _safe_text(followup), in_session, resolved, action_id),
            )
            if in_session is not None:
                self._touch(conn, in_session, now)
            row = conn.execute("SELECT * FROM actions WHERE id = ?", (action_id,)).fetchone()
        return self._action(row)

    # ------------------------------------------------------------------ coverage

    def mark_covered(
        self, session_id: str, expectation_id: str, turn_id: int | None = None, *,
        sentence: str = "", score: float | None = None,
    ) -> bool:
        """Suggest that the reflection shows an expectation; True if this is new.

        The first sentence to earn it is kept as the evidence, and a mark the person cleared
        stays cleared: the check never overrules them.
        """
        with self._tx() as conn:
            self._require_session(conn, session_id)
            cur = conn.execute(
                "INSERT OR IGNORE INTO coverage (session_id, expectation_id, turn_id, created_at, sentence, score)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, _safe_text(expectation_id), turn_id, self._clock(), _safe_text(sentence), score),
            )
        return bool(cur.rowcount)

    def set_coverage_state(self, session_id: str, expectation_id: str, state: str) -> None:
        """The person's word on a mark: confirm it (also one never suggested) or clear it."""
        if state not in COVERAGE_STATES:
            raise ValueError(f"unknown coverage state {state!r}")
        with self._tx() as conn:
            self._require_session(conn, session_id)
            conn.execute(
                "INSERT INTO coverage (session_id, expectation_id, turn_id, created_at, state)"
                " VALUES (?, ?, NULL, ?, ?) ON CONFLICT (session_id, expectation_id) DO UPDATE SET"
                " state = excluded.state",
                (session_id, _safe_text(expectation_id), self._clock(), state),
            )

    def drop_suggestions(self, session_id: str, turn_id: int) -> int:
        """Forget the unconfirmed marks one turn earned (it was edited); how many went."""
        with self._tx() as conn:
            cur = conn.execute(
                "DELETE FROM coverage WHERE session_id = ? AND turn_id = ? AND state = 'suggested'",
                (session_id, turn_id),
            )
        return cur.rowcount

    def coverage(self, session_id: str) -> list[CoverageMark]:
        rows = self._read(
            "SELECT expectation_id, state, sentence, score, turn_id FROM coverage WHERE session_id = ?"
            " ORDER BY created_at, rowid", (session_id,)
        )
        return [CoverageMark(r["expectation_id"], r["state"], r["sentence"], r["score"], r["turn_id"]) for r in rows]

    def covered(self, session_id: str) -> set[str]:
        """Ids of the expectations marked as shown (suggested or confirmed, not cleared)."""
        return {m.expectation_id for m in self.coverage(session_id) if m.state != "cleared"}

    # ------------------------------------------------------------------ search and records

    def search(self, query: str, limit: int = 20) -> list[tuple[Session, Turn]]:
        """Past turns matching every word of ``query``, best first, with their sessions.

        Any text is accepted: FTS5 syntax characters are treated as plain words.
        """
        match = _fts_query(query)
        if match is None or limit <= 0:
            return []
        rows = self._read(
            "SELECT t.id AS turn_id FROM turns_fts JOIN turns t ON t.id = turns_fts.rowid"
            " WHERE turns_fts MATCH ? ORDER BY bm25(turns_fts), t.id DESC LIMIT ?",
            (match, limit),
        )
        results: list[tuple[Session, Turn]] = []
        sessions: dict[str, Session] = {}
        for r in rows:
            turn = self.get_turn(r["turn_id"])
            if turn is None:  # pragma: no cover - deleted between the two reads
                continue
            if turn.session_id not in sessions:
                session = self.get_session(turn.session_id)
                if session is None:  # pragma: no cover
                    continue
                sessions[turn.session_id] = session
            results.append((sessions[turn.session_id], turn))
        return results

    def session_record(self, session_id: str) -> dict[str, Any]:
        """Everything about a session as plain dicts and lists, ready for rendering.

        Keys: ``session`` (its fields, ``state``, ``meta`` and ``duration_minutes``: from
        start to finish, or to the last turn while unfinished), ``turns``, ``pins``,
        ``actions``, ``followed_up`` (earlier actions followed up in it) and ``covered``
        (sorted expectation ids).
        """
        session = self.get_session(session_id)
        if session is None:
            raise NotFound(f"no session with id '{session_id}'")
        turns = self.turns(session.id)
        end = session.finished_at or (turns[-1].created_at if turns else None)
        info = asdict(session)
        info["duration_minutes"] = _minutes_between(session.created_at, end)

        def action_dict(a: Action) -> dict[str, Any]:
            d = asdict(a)
            d["due"] = a.due.isoformat() if a.due else None
            return d

        return {
            "session": info,
            "turns": [asdict(t) for t in turns],
            "pins": [asdict(p) for p in self.pins(session.id)],
            "actions": [action_dict(a) for a in self.actions(session.id)],
            "followed_up": [action_dict(a) for a in self.followed_up(session.id)],
            "covered": sorted(self.covered(session.id)),
            "coverage": [asdict(m) for m in self.coverage(session.id)],
        }


def _environmental(exc: BaseException) -> bool:
    """An error about the file or other programs (busy, read-only, I/O, corruption), not our SQL."""
    if isinstance(exc, sqlite3.OperationalError):
        return "syntax error" not in str(exc) and "no such function" not in str(exc)
    return type(exc) is sqlite3.DatabaseError


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (trigger bodies included) with SQLite's own parser."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
