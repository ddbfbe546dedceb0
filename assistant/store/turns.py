"""Turns: every answer, question and note, committed as it is added."""

from __future__ import annotations

from assistant.store.db import Database
from assistant.store.errors import NotFound
from assistant.store.records import ROLES, Role, Turn, _safe_text


class Turns(Database):

    def add_turn(
        self,
        session_id: str,
        role: Role,
        text: str,
        *,
        kind: str = "answer",
        step: str | None = None,
        speaker: str | None = None,
        clear_draft: bool = False,
    ) -> Turn:
        """Append a turn and commit it before returning: this is the autosave.

        ``clear_draft`` forgets the session's unsent draft in the same transaction: the answer
        that was the draft is sent, so a crash can never bring it back as a draft.
        """
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
            if clear_draft:
                conn.execute("DELETE FROM drafts WHERE session_id = ?", (session_id,))
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
