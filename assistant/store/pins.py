"""Pins: cases kept beside a session."""

from __future__ import annotations

from assistant.store.db import Database
from assistant.store.records import Pin, _safe_text


class Pins(Database):

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
