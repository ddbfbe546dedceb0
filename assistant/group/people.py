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
    """Someone in the room. The facilitator is one too: they speak, own actions and get a CPD line."""

    name: str
    initials: str
    facilitator: bool = False

    def label(self) -> str:
        return f"{self.name} ({self.initials})" if self.name != self.initials else self.name

    def first_name(self) -> str:
        return self.name.split()[0] if self.name != self.initials else ""


def initials_of(name: str) -> str:
    """'Amira Begum' -> 'AB'; a short single name is its own initials ('Dan' -> 'DAN'), so say so."""
    parts = [p for p in (re.sub(r"[^\w]", "", w) for w in re.split(r"[\s-]+", name.strip())) if p]
    if not parts:
        return name.strip()[:3].upper()
    if len(parts) == 1:
        return parts[0][:2].upper() if len(parts[0]) > 3 else parts[0].upper()
    return "".join(p[0] for p in parts[:3]).upper()


def parse_person(raw: str, facilitator: bool = False) -> Participant | None:
    """'Jo Tate (JT)' or 'Jo Tate' -> one person (None for an empty entry)."""
    raw = " ".join(raw.split())
    if not raw:
        return None
    match = _PAREN.match(raw)
    name, initials = (match[1].strip() or match[2], match[2].upper()) if match else (raw, initials_of(raw))
    return Participant(name, initials, facilitator)


def parse_participants(text: str) -> list[Participant]:
    """'Amira Begum, Jo Tate (JT), Sam' -> participants with unique initials."""
    people = [p for p in (parse_person(raw) for raw in re.split(r"[,;\n]+", text)) if p is not None]
    check_people(people)
    return people


def with_facilitator(facilitator: Participant, people: list[Participant]) -> list[Participant]:
    """The facilitator first, then the others; a facilitator who also typed their own name is listed once."""
    others = [p for p in people if p.name.lower() != facilitator.name.lower()]
    everyone = [facilitator, *others]
    check_people(everyone)
    return everyone


def initials_note(people: list[Participant]) -> str:
    """What initials each name got ('Dan → DAN, Jo Tate → JT'): nobody's initials are a surprise later."""
    return ", ".join(p.initials if p.name == p.initials else f"{p.name} → {p.initials}" for p in people)


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


def preview_initials(facilitator: str, participants: str) -> tuple[str, bool]:
    """What setup shows as names are typed: the initials each got, or what is wrong (and False)."""
    try:
        person = parse_person(facilitator, facilitator=True)
        people = parse_participants(participants) if participants.strip() else []
        everyone = with_facilitator(person, people) if person else people
    except PeopleError as exc:
        return str(exc)[:1].upper() + str(exc)[1:] + ".", False
    return ("Initials: " + initials_note(everyone)) if everyone else "", True


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
