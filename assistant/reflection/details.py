"""What a reflection is about and who was there: the case, the supervision it follows, the names.

A reflection log is filed (on the child's record, in a supervision file, as CPD), so it has to
say which case it is about, which supervision it follows and who took part. The case is named
by a reference the practitioner chooses (a pseudonym or initials): never a full name or an
identifier, because the log may travel further than the case record. These details are kept in
the session's meta (`case_ref`, `supervision_date`, `supervisor`, `practitioner`); earlier
sessions' meta is what the start form offers again, so the same child keeps the same reference.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from assistant.privacy import case_ref_problem
from assistant.reflection.dates import MONTHS
from assistant.render import format_date
from assistant.store import Store
from assistant.textsafe import one_line

#: The keys this module writes into a reflection's meta (other layers read them by these names).
CASE_REF, SUPERVISION_DATE, SUPERVISOR, PRACTITIONER = "case_ref", "supervision_date", "supervisor", "practitioner"
MAX_NAME_CHARS = 80

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?")
_WORDS = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([A-Za-z]{3,9})\.?,?(?:\s+(\d{4}))?")
_RELATIVE = {"today": 0, "yesterday": 1}


class DetailsError(ValueError):
    """A detail the person can put right; the message is one line that says what and how, and
    `field` names the detail (a meta key) so a form can take the person to it."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CaseDetails:
    """The start form's answers, checked: what a new reflection's meta records."""

    case_ref: str = ""
    supervision_date: dt.date | None = None
    supervisor: str = ""
    practitioner: str = ""

    def meta(self) -> dict[str, Any]:
        """The session meta for these details (empty ones are left out)."""
        values = {CASE_REF: self.case_ref, SUPERVISOR: self.supervisor, PRACTITIONER: self.practitioner,
                  SUPERVISION_DATE: self.supervision_date.isoformat() if self.supervision_date else ""}
        return {key: value for key, value in values.items() if value}


def read_details(case_ref: str, supervision_date: str, supervisor: str, practitioner: str = "",
                 today: dt.date | None = None) -> CaseDetails:
    """Check what the start form was given; raises DetailsError with the first problem found."""
    return CaseDetails(check_case_ref(case_ref), parse_supervision_date(supervision_date, today),
                       check_name(supervisor, "the supervisor's name", SUPERVISOR),
                       check_name(practitioner, "your name", PRACTITIONER))


def check_case_ref(case_ref: str) -> str:
    """The reference tidied to one line; refused when it looks like a full name or an identifier."""
    ref = one_line(case_ref)
    problem = case_ref_problem(ref)
    if problem:
        raise DetailsError(f"Case reference: {problem}", CASE_REF)
    return ref


def check_name(name: str, what: str, field: str = "") -> str:
    """A person's name on one line; refused when it is too long to be a name."""
    tidy = one_line(name)
    if len(tidy) > MAX_NAME_CHARS:
        raise DetailsError(f"{what[0].upper()}{what[1:]} is {len(tidy)} characters: keep it to {MAX_NAME_CHARS}",
                           field)
    return tidy


def parse_supervision_date(text: str, today: dt.date | None = None) -> dt.date:
    """The date of the supervision: blank is today; a date without a year is the last one past.

    UK order (day first), as people in England and Wales write it. Refuses a date that is not
    real or is still to come (a reflection follows a supervision that has happened), saying
    back what was typed, so a slip is caught before it is filed.
    """
    today = today or dt.date.today()
    typed = one_line(text)
    if not typed:
        return today
    when = _read_date(typed.lower(), today)
    if when is None:
        raise DetailsError(f"Supervision date: could not read '{typed}' as a date; write it like "
                           f"{today:%d/%m/%Y} or {today.isoformat()}", SUPERVISION_DATE)
    if when > today:
        raise DetailsError(f"Supervision date: {format_date(when)} is after today; give the date of the "
                           "supervision this reflection follows", SUPERVISION_DATE)
    return when


def _read_date(text: str, today: dt.date) -> dt.date | None:
    if text in _RELATIVE:
        return today - dt.timedelta(days=_RELATIVE[text])
    try:
        if m := _ISO.fullmatch(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.fullmatch(text):
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0) if m[3] else None
            return _dated(int(m[1]), int(m[2]), year, today)
        if (m := _WORDS.fullmatch(text)) and m[2] in MONTHS:
            return _dated(int(m[1]), MONTHS[m[2]], int(m[3]) if m[3] else None, today)
    except ValueError:
        return None
    return None


def _dated(day: int, month: int, year: int | None, today: dt.date) -> dt.date:
    """A date; without a year, the most recent one on or before today."""
    if year is not None:
        return dt.date(year, month, day)
    this_year = dt.date(today.year, month, day) if (month, day) != (2, 29) else None
    if this_year is not None and this_year <= today:
        return this_year
    return dt.date(today.year - 1, month, day)


# --- what earlier reflections remember ---------------------------------------------------

def earlier_case_refs(store: Store, limit: int = 30) -> list[str]:
    """Case references of earlier reflections, the most recent first, each once (whatever its case)."""
    refs: list[str] = []
    seen: set[str] = set()
    for session in store.list_sessions(kind="reflection"):
        ref = one_line(str(session.meta.get(CASE_REF) or ""))
        if ref and ref.casefold() not in seen:
            seen.add(ref.casefold())
            refs.append(ref)
    return refs[:limit]


def last_supervisor(store: Store) -> str:
    """The supervisor named in the most recent reflection that named one ('' when none did)."""
    for session in store.list_sessions(kind="reflection"):
        name = one_line(str(session.meta.get(SUPERVISOR) or ""))
        if name:
            return name
    return ""


def practitioner_name(store: Store) -> str:
    """The practitioner's own name, set once (in Settings, or the first start form)."""
    return store.setting(PRACTITIONER)


def set_practitioner_name(store: Store, name: str) -> str:
    """Save the practitioner's name for every later reflection; returns it as saved."""
    tidy = check_name(name, "your name", PRACTITIONER)
    store.set_setting(PRACTITIONER, tidy)
    return tidy
