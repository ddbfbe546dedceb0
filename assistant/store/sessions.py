"""Sessions: reflections and group sessions, their resume state, deleting every trace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from assistant.store.db import Database
from assistant.store.errors import AmbiguousId
from assistant.store.records import SESSION_KINDS, Session, SessionKind, _dumps, _safe_text


class Sessions(Database):

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

        Its turns, pins, actions, coverage and unsent draft go (by cascade), its words leave the search
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
