"""Participants of a group session and who said what.

A supervisor types contributions as `AB: what they said`; the prefix must name someone in the
room (by initials or first name). An unknown prefix is never guessed: it is reported, so the
app can ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PREFIX = re.compile(r"^\s*([A-Za-z][A-Za-z'-]{0,19})\s*:\s*(.*)$", re.DOTALL)
_PAREN = re.compile(r"^(.*?)\s*\(([A-Za-z]{1,4})\)\s*$")


class PeopleError(ValueError):
    """A mistake in the list of people, told in one line."""


@dataclass(frozen=True)
class Participant:
    name: str
    initials: str

    def label(self) -> str:
        return f"{self.name} ({self.initials})" if self.name != self.initials else self.name


def initials_of(name: str) -> str:
    parts = [p for p in re.split(r"[\s-]+", name.strip()) if p]
    if len(parts) == 1:
        return parts[0][:2].upper() if len(parts[0]) > 3 else parts[0].upper()
    return "".join(p[0] for p in parts[:3]).upper()


def parse_participants(text: str) -> list[Participant]:
    """'Amira Begum, Jo Tate (JT), Sam' -> participants with unique initials."""
    people: list[Participant] = []
    for raw in re.split(r"[,;\n]+", text):
        raw = " ".join(raw.split())
        if not raw:
            continue
        match = _PAREN.match(raw)
        name, initials = (match[1].strip() or match[2], match[2].upper()) if match else (raw, initials_of(raw))
        people.append(Participant(name, initials))
    check_people(people)
    return people


def check_people(people: list[Participant]) -> None:
    if not people:
        raise PeopleError("add at least one participant (names or initials, separated by commas)")
    names = [p.name.lower() for p in people]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise PeopleError(f"'{twice[0]}' is named twice: give each person once")
    initials = [p.initials for p in people]
    clash = sorted({i for i in initials if initials.count(i) > 1})
    if clash:
        who = " and ".join(p.name for p in people if p.initials == clash[0])
        raise PeopleError(f"{who} share the initials {clash[0]}: write them as 'Name (XY)' with different initials")


def find_person(people: list[Participant], prefix: str) -> Participant | None:
    key = prefix.strip().lower()
    for person in people:
        if key in (person.initials.lower(), person.name.lower(), person.name.split()[0].lower()):
            return person
    return None


@dataclass(frozen=True)
class Said:
    """What a line of input means: a contribution by someone, or a group note."""

    text: str
    speaker: Participant | None = None
    unknown_prefix: str | None = None  # a prefix that names nobody in the room: ask, do not guess


def parse_line(line: str, people: list[Participant]) -> Said:
    """'AB: text' by a participant; a line without a prefix is a note for the group."""
    match = _PREFIX.match(line)
    if not match:
        return Said(line.strip())
    prefix, rest = match[1], match[2].strip()
    person = find_person(people, prefix)
    if person is not None:
        return Said(rest, person)
    if prefix.isupper() or len(prefix) <= 3:
        return Said(rest, None, prefix)
    return Said(line.strip())  # "Context: ..." or "Overall: ..." is a note, not a person
