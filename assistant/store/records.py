"""The rows the store hands out, the names it accepts, and how text goes in safely."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

SessionKind = Literal["reflection", "group"]
Role = Literal["assistant", "practitioner", "participant", "facilitator", "system"]
ActionStatus = Literal["open", "done", "carried", "dropped"]

SESSION_KINDS = frozenset({"reflection", "group"})
ROLES = frozenset({"assistant", "practitioner", "participant", "facilitator", "system"})
ACTION_STATUSES = frozenset({"open", "done", "carried", "dropped"})
COVERAGE_STATES = frozenset({"suggested", "confirmed", "cleared"})



@dataclass(frozen=True)
class CoverageMark:
    """What the reflection seems to show of one expectation, and what the practitioner said of it.

    ``state``: ``suggested`` by the coverage check, ``confirmed`` or ``cleared`` by the person.
    """

    expectation_id: str
    state: str
    sentence: str = ""
    score: float | None = None
    turn_id: int | None = None


@dataclass(frozen=True)
class Session:
    """One reflection or group session; ``state`` holds what the app needs to resume."""

    id: str
    kind: str
    title: str
    flow: str
    strand: str
    stage: str
    status: str
    created_at: str
    updated_at: str
    finished_at: str | None
    state: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    #: First line of the first answer, for lists of past sessions (None when none yet).
    first_answer: str | None = None


@dataclass(frozen=True)
class Turn:
    """One message in a session: a question, a probe, an answer, a note, a contribution."""

    id: int
    session_id: str
    seq: int
    role: str
    kind: str
    step: str | None
    speaker: str | None
    text: str
    created_at: str
    edited_at: str | None


@dataclass(frozen=True)
class Pin:
    """A case illustration the person kept beside their reflection, and why it matched."""

    session_id: str
    case_id: str
    title: str
    snippet: str
    reason: str
    created_at: str


@dataclass(frozen=True)
class Draft:
    """What was typed in a session's answer box and not sent, as last saved."""

    session_id: str
    text: str
    updated_at: str


@dataclass(frozen=True)
class Action:
    """An agreed action and, once followed up in a later session, what became of it."""

    id: int
    session_id: str
    text: str
    owner: str | None
    due: dt.date | None
    status: str
    created_at: str
    followup: str | None
    followup_session_id: str | None
    resolved_at: str | None


@dataclass(frozen=True)
class SessionMatch:
    """A past session found by a search, and the line of its text that matched.

    ``where`` says which text matched: ``answer`` (what a person wrote), ``title`` or
    ``action``. ``line`` is that text's matching line, trimmed, as stored (escape it to show
    it). ``ref`` is the id of the turn or action (None for a title).
    """

    session: Session
    where: str
    line: str
    ref: int | None = None


def _now() -> str:
    """ISO-8601 UTC to the second: sortable as text and unambiguous across clock changes."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _safe_text(value: str | None) -> str | None:
    """Return ``value`` unchanged unless it holds lone surrogates, which SQLite cannot store.

    Such code points are not valid Unicode; replacing them (rather than failing) means an
    answer is never lost because of one broken character from a terminal.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _dumps(obj: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(obj or {}), ensure_ascii=False, sort_keys=True, default=str)


def _first_line(text: str | None) -> str | None:
    if text is None:
        return None
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""
