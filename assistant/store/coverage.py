"""Coverage marks: what the check suggested a reflection shows, and what the person said of it."""

from __future__ import annotations

from assistant.store.db import Database
from assistant.store.records import COVERAGE_STATES, CoverageMark, _safe_text


class Coverage(Database):

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
