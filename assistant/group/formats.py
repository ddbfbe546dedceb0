"""Group formats: how a team's session runs, stage by stage, read from `prompts/flows/*.yaml`.

A format is data, so a supervisor or trainer can add one without code: a YAML file with
`kind: group` names its stages (what the room is asked, for how many minutes, under what rule,
led by which role), the roles people take, and whether contributions are attributed. Files
with another kind are reflection flows (`assistant/reflection/flows.py`). A broken format is
reported by file, line and field and left out; the others still load.

```yaml
id: action-learning-set
title: Action learning set
kind: group
description: One presenter, a challenge, and a set that asks rather than tells.
attributed: true          # false: contributions are themes, nobody is named in the record
roles:
  - {id: presenter, title: Presenter, people: one, required: true, description: brings the challenge}
stages:
  - from: case            # the case's own take-away questions, one stage each
  - id: open-questions
    title: Open questions
    text: What might help the presenter see the challenge differently?
    minutes: 20           # without it, the session's minutes per question
    rule: Open questions only, no advice.
    lead: presenter
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from assistant.casebank.load import display_path, suggest
from assistant.casebank.model import Problem
from assistant.casebank.yamlfile import YamlProblem, read_yaml
from assistant.paths import PROMPTS_DIR

FORMATS_DIR = PROMPTS_DIR / "flows"
FORMAT_KEYS = ("id", "title", "kind", "description", "default", "attributed", "roles", "stages")
ROLE_KEYS = ("id", "title", "description", "people", "required")
STAGE_KEYS = ("id", "title", "text", "minutes", "rule", "lead")
CASE_STAGE_KEYS = ("from", "minutes", "rule")
ROLE_PEOPLE = ("one", "several")
MIN_MINUTES, MAX_MINUTES = 0.5, 120
CASE_QUESTIONS = "case-questions"  # the id of the format that is only the case's own questions
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Role:
    """A part someone takes in the session (the presenter, the scribe), given by initials at setup."""

    id: str
    title: str
    description: str = ""
    several: bool = False  # co-supervisors are several people; a presenter is one
    required: bool = False


@dataclass(frozen=True)
class Stage:
    """One timed stage: what the room is asked, for how long, under which rule, led by whom."""

    id: str
    title: str
    text: str
    minutes: float | None = None  # None: the session's minutes per question
    rule: str = ""
    lead: str = ""  # the id of the role that speaks in this stage
    from_case: bool = False  # stands for the case's own take-away questions, one stage each


@dataclass(frozen=True)
class GroupFormat:
    id: str
    title: str
    description: str
    stages: tuple[Stage, ...]
    roles: tuple[Role, ...] = ()
    attributed: bool = True  # False: nobody is named beside what they said, in the store or the record
    default: bool = False
    source: str = ""

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)

    @property
    def needs_minutes(self) -> bool:
        """Whether some stage takes the session's minutes per question (so setup asks for them)."""
        return any(s.minutes is None for s in self.stages)


def case_questions_format() -> GroupFormat:
    """The case's own take-away questions and nothing else: the format when no file offers one."""
    return GroupFormat(CASE_QUESTIONS, "The case's own questions", "Each of the case's take-away questions in turn.",
                       (Stage("case", "", "", from_case=True),), default=True)


def load_formats(folders: Iterable[Path] = (FORMATS_DIR,),
                 formats_only: Iterable[Path] = ()) -> tuple[list[GroupFormat], list[Problem]]:
    """Every valid group format, and what is wrong with the others (each once, with its line).

    `folders` are shared with the reflection flows (only their `kind: group` files are
    formats); every file in a `formats_only` folder (the data folder's `formats/`) must be
    one. A later folder's format replaces an earlier one with the same id.
    """
    found: dict[str, GroupFormat] = {}
    problems: list[Problem] = []
    sources = [(f, False) for f in folders] + [(f, True) for f in formats_only]
    for folder, only in sources:
        seen: set[str] = set()
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
            fmt, trouble = load_format(path, formats_only=only)
            problems.extend(trouble)
            if fmt is None:
                continue
            if fmt.id in seen:
                problems.append(Problem(display_path(path), 1, "id", f"duplicate format id '{fmt.id}'"))
                continue
            seen.add(fmt.id)
            found[fmt.id] = fmt
    formats = sorted(found.values(), key=lambda f: (not f.default, f.title.lower()))
    return formats or [case_questions_format()], problems


def load_format(path: Path, formats_only: bool = False) -> tuple[GroupFormat | None, list[Problem]]:
    """One format file: (the format, no problems), or (None, what is wrong, each with its line).

    In a folder shared with the flows, a file of another kind is a reflection flow: (None, []),
    and a file that is not YAML at all is reported here as by the flows loader (the app shows
    it once). In a folder of formats only, every file must be a format.
    """
    where = display_path(path)
    try:
        doc = read_yaml(path)
    except YamlProblem as exc:
        return None, [Problem(where, exc.line, "", exc.message)]
    if not isinstance(doc.data, dict):
        return None, [Problem(where, 1, "", "expected a mapping of keys")] if formats_only else []
    if doc.data.get("kind") != "group":
        if formats_only:
            return None, [Problem(where, doc.line("kind"), "kind", "expected 'kind: group' (this folder holds "
                                  "group formats only)")]
        return None, []
    check = _Check(where, doc.line)
    fmt = check.format(doc.data)
    return (None if check.problems else fmt), check.problems


class _Check:
    """Reads a format's fields, noting each problem with the line it is on."""

    def __init__(self, where: str, line: Callable[[str], int | None]) -> None:
        self.where = where
        self.line = line
        self.problems: list[Problem] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.where, self.line(field), field, message))

    def keys(self, data: dict[str, Any], allowed: tuple[str, ...], prefix: str = "") -> None:
        for key in data:
            if key not in allowed:
                self.add(f"{prefix}{key}", f"unknown key '{key}'{suggest(str(key), allowed)}")

    def text(self, data: dict[str, Any], key: str, field: str, required: bool = True) -> str:
        value = data.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(field, "required text" if required else "expected text")
            return ""
        return " ".join(value.split())

    def slug(self, data: dict[str, Any], field: str) -> str:
        value = self.text(data, "id", field)
        if value and not _SLUG.match(value):
            self.add(field, f"'{value}' should be lowercase letters, digits and hyphens")
        return value

    def flag(self, data: dict[str, Any], key: str, field: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.add(field, "expected true or false")
            return default
        return value

    def format(self, data: dict[str, Any]) -> GroupFormat:
        self.keys(data, FORMAT_KEYS)
        roles = self.roles(data.get("roles"))
        stages = self.stages(data.get("stages"), {r.id for r in roles})
        return GroupFormat(
            id=self.slug(data, "id"), title=self.text(data, "title", "title"),
            description=self.text(data, "description", "description", required=False), stages=stages,
            roles=roles, attributed=self.flag(data, "attributed", "attributed", True),
            default=self.flag(data, "default", "default", False), source=self.where)

    def items(self, raw: Any, field: str, what: str) -> list[tuple[str, dict[str, Any]]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.add(field, f"expected a list of {what}")
            return []
        out = []
        for i, item in enumerate(raw):
            if isinstance(item, dict):
                out.append((f"{field}[{i}]", item))
            else:
                self.add(f"{field}[{i}]", f"expected a mapping (one of the {what})")
        return out

    def roles(self, raw: Any) -> tuple[Role, ...]:
        roles: list[Role] = []
        for field, item in self.items(raw, "roles", "roles"):
            self.keys(item, ROLE_KEYS, f"{field}.")
            people = item.get("people", "one")
            if people not in ROLE_PEOPLE:
                self.add(f"{field}.people", f"expected 'one' or 'several', got {people!r}")
            role = Role(self.slug(item, f"{field}.id"), self.text(item, "title", f"{field}.title"),
                        self.text(item, "description", f"{field}.description", required=False),
                        several=people == "several", required=self.flag(item, "required", f"{field}.required", False))
            if any(r.id == role.id for r in roles):
                self.add(f"{field}.id", f"role '{role.id}' is given twice")
            roles.append(role)
        return tuple(roles)

    def stages(self, raw: Any, role_ids: set[str]) -> tuple[Stage, ...]:
        stages: list[Stage] = []
        for field, item in self.items(raw, "stages", "stages"):
            stage = self.case_stage(item, field) if "from" in item else self.stage(item, field, role_ids)
            if not stage.from_case and any(s.id == stage.id for s in stages):
                self.add(f"{field}.id", f"stage '{stage.id}' is given twice")
            stages.append(stage)
        if not stages:
            self.add("stages", "a format needs at least one stage")
        return tuple(stages)

    def stage(self, item: dict[str, Any], field: str, role_ids: set[str]) -> Stage:
        self.keys(item, STAGE_KEYS, f"{field}.")
        lead = self.text(item, "lead", f"{field}.lead", required=False)
        if lead and lead not in role_ids:
            self.add(f"{field}.lead", f"no role '{lead}' in this format{suggest(lead, role_ids)}")
        return Stage(self.slug(item, f"{field}.id"), self.text(item, "title", f"{field}.title"),
                     self.text(item, "text", f"{field}.text"), self.minutes(item, f"{field}.minutes"),
                     self.text(item, "rule", f"{field}.rule", required=False), lead)

    def case_stage(self, item: dict[str, Any], field: str) -> Stage:
        self.keys(item, CASE_STAGE_KEYS, f"{field}.")
        if item.get("from") != "case":
            self.add(f"{field}.from", f"expected 'case' (the case's own questions), got {item.get('from')!r}")
        return Stage("case", "", "", self.minutes(item, f"{field}.minutes"),
                     self.text(item, "rule", f"{field}.rule", required=False), from_case=True)

    def minutes(self, item: dict[str, Any], field: str) -> float | None:
        value = item.get("minutes")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not MIN_MINUTES <= value <= MAX_MINUTES:
            self.add(field, f"expected minutes from {MIN_MINUTES:g} to {MAX_MINUTES}, got {value!r}")
            return None
        return float(value)
