"""Reading actions out of a practitioner's answer: one per line, each with an optional date.

People write dates many ways ("by 12/12", "2026-12-05", "5 January", "by Friday" is left as
text): we take the common, unambiguous UK forms and never guess beyond them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], 1)}
MONTHS.update({name[:3]: n for name, n in list(MONTHS.items())})
MONTHS["sept"] = 9

_BULLET = re.compile(r"^\s*(?:[-*•·–—]|\d{1,2}[.)])\s*")
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?\b")
_WORDS = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([A-Za-z]{3,9})\.?(?:,?\s+(\d{4}))?\b")
_LEAD = re.compile(r"\s*[,;(]?\s*\b(?:by|due|before|on|for)\s*:?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedAction:
    text: str
    due: dt.date | None


def action_lines(answer: str) -> list[str]:
    """The answer's actions as typed: each non-empty line, bullets and numbering removed."""
    lines = (_BULLET.sub("", line).strip() for line in answer.splitlines())
    return [line for line in lines if line]


def parse_actions(answer: str, today: dt.date | None = None) -> list[ParsedAction]:
    """Each non-empty line (bullets and numbering removed) is an action."""
    today = today or dt.date.today()
    out = []
    for line in action_lines(answer):
        due, text = _find_date(line, today)
        out.append(ParsedAction(text or line, due))
    return out


def _find_date(line: str, today: dt.date) -> tuple[dt.date | None, str]:
    for pattern, build in ((_ISO, _iso), (_NUMERIC, _numeric), (_WORDS, _words)):
        for match in pattern.finditer(line):
            try:
                date = build(match, today)
            except ValueError:
                date = None
            if date is not None:
                before = _LEAD.sub("", line[:match.start()]).rstrip(" ,;(-–—")
                after = line[match.end():].strip(" )")
                return date, " ".join(p for p in (before, after) if p).strip()
    return None, line


def _iso(m: re.Match[str], today: dt.date) -> dt.date:
    return dt.date(int(m[1]), int(m[2]), int(m[3]))


def _numeric(m: re.Match[str], today: dt.date) -> dt.date:
    day, month = int(m[1]), int(m[2])
    if m[3]:
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        return dt.date(year, month, day)
    return _next(day, month, today)


def _words(m: re.Match[str], today: dt.date) -> dt.date | None:
    month = MONTHS.get(m[2].lower())
    if month is None:
        return None
    if m[3]:
        return dt.date(int(m[3]), month, int(m[1]))
    return _next(int(m[1]), month, today)


def _next(day: int, month: int, today: dt.date) -> dt.date:
    """A day and month without a year: the next such date from today."""
    date = dt.date(today.year, month, day)
    return date if date >= today else dt.date(today.year + 1, month, day)


def parse_status(answer: str) -> str | None:
    """'done', 'carried' or 'dropped' from a short reply; None when it is unclear."""
    words = set(re.findall(r"[a-z]+", answer.lower()))
    if words & {"drop", "dropped", "abandon", "remove", "delete", "irrelevant"}:
        return "dropped"
    if words & {"carry", "carried", "continue", "not", "no", "ongoing", "still", "partly", "keep", "c"}:
        return "carried"
    if words & {"done", "yes", "complete", "completed", "finished", "did", "d", "y"}:
        return "done"
    return None
