"""Drafts: what is typed in a reflection's answer box and not sent yet, one per session.

A draft is saved a second or two after the person stops typing, so a crash or ``kill -9``
loses at most those seconds; it is committed like every other write. Saving one must never
hold up typing: a draft waits only a moment for another program's lock (then
:class:`StoreBusy`, and the next save tries again), where an answer waits the full
``busy_timeout``. A draft replaced or cleared is text edited away, so it leaves the files
as other such text does: the WAL is checkpointed after each change, without waiting for a
reader (a reader that holds it off leaves ``scrub_pending`` set for later writes to finish).

Sending the answer clears the draft in the same transaction (``add_turn(clear_draft=True)``),
so a sent answer never comes back as a draft; deleting the session deletes it (cascade).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from assistant.store.db import Database
from assistant.store.records import Draft, _safe_text

#: How long a draft save waits for another program's write lock (seconds) before StoreBusy.
DRAFT_LOCK_WAIT = 0.2


class Drafts(Database):

    def save_draft(self, session_id: str, text: str) -> Draft | None:
        """Keep ``text`` exactly as the session's draft, replacing the last; blank text clears it.

        Returns the draft saved (None when it was cleared). Raises :class:`NotFound` for an
        unknown session and :class:`StoreBusy` when another program holds the lock.
        """
        if not isinstance(text, str):
            raise TypeError(f"expected text, got {type(text).__name__}")
        if not text.strip():
            self.clear_draft(session_id)
            return None
        safe = _safe_text(text) or ""
        now = self._clock()
        with self._brief_lock_wait(), self._tx() as conn:
            self._require_session(conn, session_id)
            conn.execute(
                "INSERT INTO drafts (session_id, text, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (session_id) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
                (session_id, safe, now),
            )
        self._checkpoint(wait=0.0)  # the text it replaced leaves the WAL
        return Draft(session_id, safe, now)

    def draft(self, session_id: str) -> Draft | None:
        """The session's unsent draft, or None."""
        rows = self._read("SELECT session_id, text, updated_at FROM drafts WHERE session_id = ?", (session_id,))
        return Draft(rows[0]["session_id"], rows[0]["text"], rows[0]["updated_at"]) if rows else None

    def clear_draft(self, session_id: str) -> bool:
        """Forget the session's draft; True if there was one."""
        with self._brief_lock_wait(), self._tx() as conn:
            cur = conn.execute("DELETE FROM drafts WHERE session_id = ?", (session_id,))
        if cur.rowcount:
            self._checkpoint(wait=0.0)
        return bool(cur.rowcount)

    @contextmanager
    def _brief_lock_wait(self) -> Iterator[None]:
        """Within the block, a write waits DRAFT_LOCK_WAIT for the lock instead of busy_timeout."""
        with self._lock:
            if self._closed or self.readonly:
                yield  # _tx says why it cannot write
                return
            self._conn.execute(f"PRAGMA busy_timeout = {int(DRAFT_LOCK_WAIT * 1000)}")
            try:
                yield
            finally:
                if not self._closed:
                    self._conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
