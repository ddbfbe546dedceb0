"""Actions: what was agreed, and what became of it when followed up in a later session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant.store.db import Database
from assistant.store.errors import NotFound
from assistant.store.records import ACTION_STATUSES, Action, ActionStatus, _safe_text


class Actions(Database):

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
