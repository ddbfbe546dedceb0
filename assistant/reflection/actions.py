"""Reading actions out of a practitioner's answer: one per line, each with an optional due date.

Dates are read by `dates.py` (absolute and relative, from the day the answer was written). A
date that looks like one but cannot be read ("by 31/02") is kept apart as `unreadable`, so the
conversation can say it back and ask again instead of saving the action without a word.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from assistant.reflection.dates import find_due, without

_BULLET = re.compile(r"^\s*(?:[-*•·–—]|\d{1,2}[.)])\s*")


@dataclass(frozen=True)
class ParsedAction:
    text: str
    due: dt.date | None
    unreadable: str | None = None  # the date as written when it cannot be read, e.g. '31/02'


def action_lines(answer: str) -> list[str]:
    """The answer's actions as typed: each non-empty line, bullets and numbering removed."""
    lines = (_BULLET.sub("", line).strip() for line in answer.splitlines())
    return [line for line in lines if line]


def parse_actions(answer: str, today: dt.date | None = None) -> list[ParsedAction]:
    """Each non-empty line (bullets and numbering removed) is an action, its date taken out of its text."""
    today = today or dt.date.today()
    out = []
    for line in action_lines(answer):
        found = find_due(line, today)
        if found is None:
            out.append(ParsedAction(line, None))
            continue
        text = without(line, found) or line
        out.append(ParsedAction(text, found.date, None if found.readable else found.written))
    return out
