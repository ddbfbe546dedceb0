"""Who takes which role in a format (the presenter, the scribe), given by initials at setup.

Roles are checked against the people in the room, never guessed: initials that match nobody,
a one-person role given two people, or a required role left empty are each told in one line.
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from assistant.group.formats import GroupFormat
from assistant.group.people import Participant, PeopleError, find_person

RoleInput = Mapping[str, "str | Sequence[str]"]


def assign_roles(fmt: GroupFormat, given: RoleInput | None, people: Sequence[Participant]) -> dict[str, list[str]]:
    """{role id: [initials]} for the format's roles, from what setup typed ('JT', 'AB, PS')."""
    given = given or {}
    unknown = sorted(set(given) - {r.id for r in fmt.roles})
    if unknown:
        raise PeopleError(f"the {fmt.title} has no role '{unknown[0]}'")
    assigned: dict[str, list[str]] = {}
    for role in fmt.roles:
        names = _entries(given.get(role.id, ""))
        if not names and role.required:
            raise PeopleError(f"who is the {role.title.lower()}? Give their initials")
        if len(names) > 1 and not role.several:
            raise PeopleError(f"the {role.title.lower()} is one person: give one set of initials")
        assigned[role.id] = [_initials(name, role.title, people) for name in names]
    _one_role_each(fmt, assigned)
    return assigned


def _entries(raw: "str | Sequence[str]") -> list[str]:
    items = re.split(r"[,;\s]+", raw) if isinstance(raw, str) else list(raw)
    return [i.strip() for i in items if i and i.strip()]


def _initials(name: str, role: str, people: Sequence[Participant]) -> str:
    person = find_person(list(people), name)
    if person is None:
        here = ", ".join(p.initials for p in people)
        raise PeopleError(f"{role.lower()}: nobody here is '{name}' (here: {here})")
    return person.initials


def _one_role_each(fmt: GroupFormat, assigned: dict[str, list[str]]) -> None:
    held: dict[str, str] = {}
    for role in fmt.roles:
        for initials in assigned[role.id]:
            if initials in held and held[initials] != role.title:
                raise PeopleError(f"{initials} is both {held[initials].lower()} and {role.title.lower()}: "
                                  "give each person one role")
            if initials in held:
                raise PeopleError(f"{initials} is given twice as {role.title.lower()}")
            held[initials] = role.title
