"""Full-text search over past turns (SQLite FTS5)."""

from __future__ import annotations

import re

from assistant.store.records import Session, Turn
from assistant.store.sessions import Sessions
from assistant.store.turns import Turns


def _fts_query(query: str) -> str | None:
    """Turn free text into a safe FTS5 query: every word quoted, all words required.

    Quoting each term means characters FTS5 treats as syntax (quotes, ``*``, ``-``, ``:``,
    ``NEAR``, ``AND``, parentheses) are searched for as plain words and never raise.
    """
    terms = re.findall(r"\w+", query)
    if not terms:
        return None
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


class TextSearch(Sessions, Turns):

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
