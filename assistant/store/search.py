"""Finding past work: full-text search over turns (SQLite FTS5), and over whole sessions.

:meth:`TextSearch.search_sessions` is the one query behind `reflect sessions search` and the
past-sessions screen's search box. It looks in three places:

- **answers** (what a practitioner, participant or facilitator wrote; not the questions, not
  skips) through the FTS5 index the turns already have, so words are stemmed
  ("reflected" finds "reflecting") and the start of a word finds it as the box is typed in,
  as far as its stem goes ("tim" and "timet" find "timetable"; "timetab" does not, as the
  index holds the stem "timet");
- **titles** and **actions** with a parameterised ``LIKE``, every word required. They are
  short and few (one title and a handful of actions per session), so a scan costs nothing
  noticeable, and it needs no second index: an FTS5 copy of them would be one more place
  where deleted or edited text lingers and has to be scrubbed (see `db.py`), and one more
  set of triggers to keep in step. The price is plainer matching there: a word matches as a
  substring ("school" finds "schools"), letters outside ASCII match in their own case only.

Every query is free text: words are taken out of it (``\\w+``) and quoted, so nothing typed
(quotes, ``*``, ``NEAR``, ``-``, ``%``, emoji) is ever read as syntax. Text that has no word
in it finds nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from typing import Any

from assistant.store.records import Session, SessionMatch, Turn
from assistant.store.sessions import Sessions
from assistant.store.turns import Turns

#: The marks FTS5's highlight() puts around a matched word (private-use characters).
_MARK_ON, _MARK_OFF = "\ue000", "\ue001"
#: How much of a long line a match shows (characters).
LINE_WIDTH = 160
#: The most matches one search returns.
MAX_MATCHES = 500

# Turns that hold what a person wrote: not the questions asked, not skips or notes of the app.
_WRITTEN = ("t.role IN ('practitioner', 'participant', 'facilitator') AND t.kind NOT IN ('question', 'skip')")
_WHERE_ORDER = {"answer": 0, "action": 1, "title": 2}


def _words(query: str) -> list[str]:
    return re.findall(r"\w+", query)


def _fts_query(query: str, prefix: bool = False) -> str | None:
    """Turn free text into a safe FTS5 query: every word quoted, all words required.

    Quoting each term means characters FTS5 treats as syntax (quotes, ``*``, ``-``, ``:``,
    ``NEAR``, ``AND``, parentheses) are searched for as plain words and never raise.
    ``prefix`` lets each word match the start of a longer one, as titles and actions do.
    """
    terms = _words(query)
    if not terms:
        return None
    star = "*" if prefix else ""
    return " ".join('"' + t.replace('"', '""') + '"' + star for t in terms)


def _like(term: str) -> str:
    """A LIKE pattern that finds `term` anywhere, its own % and _ taken literally."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _session_filters(stage: str | None, since: dt.date | None, case: str | None,
                     open_actions: bool) -> tuple[str, list[Any]]:
    """SQL conditions on sessions ``s`` for the filters given, and their parameters."""
    where: list[str] = []
    params: list[Any] = []
    if stage:
        where.append("s.stage = ?")
        params.append(stage)
    if since is not None:
        where.append("substr(s.created_at, 1, 10) >= ?")  # stored as ISO-8601 UTC: dates sort as text
        params.append(since.isoformat())
    if case is not None:
        # The case reference lives in the session's meta as "case_ref" (when it was given).
        where.append("lower(trim(CAST(CASE WHEN json_valid(s.meta_json) THEN"
                     " json_extract(s.meta_json, '$.case_ref') END AS TEXT))) = lower(trim(?))")
        params.append(case)
    if open_actions:
        where.append("EXISTS (SELECT 1 FROM actions oa WHERE oa.session_id = s.id"
                     " AND oa.status IN ('open', 'carried'))")
    return " AND ".join(where) or "1", params


def excerpt(line: str, start: int, width: int = LINE_WIDTH) -> str:
    """`line` with its spaces folded, cut to about `width` characters around position `start`."""
    folded = " ".join(line.split())
    if len(folded) <= width:
        return folded
    at = len(" ".join(line[:start].split()))
    begin = max(0, min(at - width // 3, len(folded) - width))
    piece = folded[begin:begin + width]
    if begin + width < len(folded):
        cut = piece.rfind(" ")
        piece = (piece[:cut] if cut > width - 20 else piece) + "…"
    if begin > 0:
        cut = piece.find(" ")
        piece = "…" + (piece[cut + 1:] if 0 <= cut < 20 else piece)
    return piece


def marked_line(marked: str) -> str:
    """The line holding FTS5's first highlighted word, without the marks (else the first line)."""
    lines = [ln for ln in marked.splitlines() if ln.strip()] or [""]
    chosen = next((ln for ln in lines if _MARK_ON in ln), lines[0])
    start = max(chosen.find(_MARK_ON), 0)
    return excerpt(chosen.replace(_MARK_ON, "").replace(_MARK_OFF, ""), start)


def term_line(text: str, terms: list[str]) -> str:
    """The first line of `text` where one of `terms` appears (any case), around it."""
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    lines = [ln for ln in text.splitlines() if ln.strip()] or [""]
    for line in lines:
        found = pattern.search(line)
        if found:
            return excerpt(line, found.start())
    return excerpt(lines[0], 0)


def per_session(matches: list[SessionMatch]) -> list[SessionMatch]:
    """The first match of each session, in the same order: one row per session in a list."""
    seen: set[str] = set()
    first = []
    for match in matches:
        if match.session.id not in seen:
            seen.add(match.session.id)
            first.append(match)
    return first


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

    def search_sessions(self, query: str, *, stage: str | None = None, since: dt.date | None = None,
                        case: str | None = None, open_actions: bool = False,
                        limit: int = MAX_MATCHES) -> list[SessionMatch]:
        """Past sessions whose answers, title or actions hold every word of ``query``.

        One match per place that matched, with its line: sessions newest first (as `sessions
        list` shows them), and in each its answers in order, then its actions, then its title
        (which says least: it is shown beside every match anyway).
        Filters: the session's ``stage``; started on or after ``since``; its case reference
        (``meta["case_ref"]``, compared without regard to case or surrounding spaces) equal to
        ``case``; ``open_actions``: it has actions still open (or carried on).
        """
        terms = _words(query)
        if not terms or limit <= 0:
            return []
        filters = _session_filters(stage, since, case, open_actions)
        found = [*self._title_matches(terms, filters, limit), *self._answer_matches(query, filters, limit),
                 *self._action_matches(terms, filters, limit)]
        found.sort(key=lambda m: (_WHERE_ORDER[m[2]], m[1]))
        found.sort(key=lambda m: m[0], reverse=True)  # stable: each session's matches keep their order
        sessions: dict[str, Session | None] = {}
        matches: list[SessionMatch] = []
        for _, _, where, session_id, ref, line in found:
            if session_id not in sessions:
                rows = self._read(self._SESSION_SELECT + " WHERE s.id = ?", (session_id,))
                sessions[session_id] = self._session(rows[0]) if rows else None
            session = sessions[session_id]
            if session is not None:
                matches.append(SessionMatch(session, where, line, ref))
        return matches[:limit]

    # Each finder returns ((created_at, rowid) of the session, order in it, where, session id, ref, line).
    _ORDER = "s.created_at DESC, s.rowid DESC"

    def _title_matches(self, terms: list[str], filters: tuple[str, list[Any]], limit: int) -> list[tuple]:
        likes = " AND ".join("s.title LIKE ? ESCAPE '\\'" for _ in terms)
        rows = self._read(
            f"SELECT s.id, s.title, s.created_at, s.rowid AS n FROM sessions s WHERE {likes} AND {filters[0]}"
            f" ORDER BY {self._ORDER} LIMIT ?",
            (*[_like(t) for t in terms], *filters[1], limit),
        )
        return [((r["created_at"], r["n"]), 0, "title", r["id"], None, term_line(r["title"], terms)) for r in rows]

    def _answer_matches(self, query: str, filters: tuple[str, list[Any]], limit: int) -> list[tuple]:
        match = _fts_query(query, prefix=True)
        sql = (
            "SELECT t.id, t.seq, t.session_id, s.created_at, s.rowid AS n, highlight(turns_fts, 0, ?, ?) AS marked"
            " FROM turns_fts JOIN turns t ON t.id = turns_fts.rowid JOIN sessions s ON s.id = t.session_id"
            f" WHERE turns_fts MATCH ? AND {_WRITTEN} AND {filters[0]} ORDER BY {self._ORDER}, t.seq LIMIT ?"
        )
        try:
            rows = self._read(sql, (_MARK_ON, _MARK_OFF, match, *filters[1], limit))
        except sqlite3.OperationalError:  # pragma: no cover - every word is quoted; never expected
            return []
        return [((r["created_at"], r["n"]), r["seq"], "answer", r["session_id"], r["id"], marked_line(r["marked"]))
                for r in rows]

    def _action_matches(self, terms: list[str], filters: tuple[str, list[Any]], limit: int) -> list[tuple]:
        likes = " AND ".join("a.text LIKE ? ESCAPE '\\'" for _ in terms)
        rows = self._read(
            "SELECT a.id, a.text, a.session_id, s.created_at, s.rowid AS n FROM actions a JOIN sessions s ON s.id = a.session_id"
            f" WHERE {likes} AND {filters[0]} ORDER BY {self._ORDER}, a.id LIMIT ?",
            (*[_like(t) for t in terms], *filters[1], limit),
        )
        return [((r["created_at"], r["n"]), r["id"], "action", r["session_id"], r["id"], term_line(r["text"], terms))
                for r in rows]
