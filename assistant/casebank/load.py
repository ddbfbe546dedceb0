"""Loading and validating a case bank folder, as CASE_SCHEMA.md specifies.

Every rule reports a `Problem` naming file, line and field; one broken file never hides the
others, and the valid cases still load. Where a folder lacks `framework.yaml` or `themes.yaml`,
the bundled ones are used.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any, Callable, Iterable

from assistant.casebank.model import (
    STAGES,
    STRANDS,
    Bank,
    Case,
    Child,
    Expectation,
    Framework,
    Problem,
    Stage,
    Strand,
    Theme,
)
from assistant.casebank.yamlfile import Doc, YamlProblem, read_yaml
from assistant.resources import folder

BUNDLED_CASEBANK = folder("casebank")

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
CASE_KEYS = (
    "id", "title", "stage", "strand", "themes", "child", "disposal", "offences", "summary",
    "inspector_comments", "learning", "questions", "further_reading", "fictional",
)
OPTIONAL_CASE_KEYS = {"strand", "further_reading"}
CHILD_KEYS = ("name", "age", "gender")
MIN_SUMMARY_WORDS = 80
PLACEHOLDER = "FILL IN"  # what skeletons and imports leave where a trainer must write something
PLACEHOLDER_ID = "fill-in"  # the same, in an id


def fill_in_message(value: str) -> str:
    """`fill in <what the placeholder asks for>`, on one line."""
    rest = value[value.index(PLACEHOLDER) + len(PLACEHOLDER):].lstrip(" :-\u2013\u2014")
    rest = " ".join(rest.split("\n", 1)[0].split())
    if len(rest) > 100:
        rest = rest[:99].rstrip() + "\u2026"
    return f"fill in {rest}" if rest else f"fill in the text where it still says {PLACEHOLDER}"


def display_path(path: Path) -> str:
    """A path as people think of it: relative to the working folder when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def suggest(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


class _Checker:
    """Collects problems for one file while reading fields out of its document."""

    def __init__(self, path: Path, doc: Doc) -> None:
        self.path = display_path(path)
        self.doc = doc
        self.problems: list[Problem] = []

    def add(self, field: str, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.path, self.doc.line(field), field, message, severity))

    def placeholder(self, field: str, value: Any) -> bool:
        """Report a value still holding a FILL IN placeholder; True when it does."""
        if isinstance(value, str) and PLACEHOLDER in value:
            self.add(field, fill_in_message(value))
            return True
        return False

    def mapping(self, value: Any, field: str, allowed: tuple[str, ...], optional: set[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(field, f"expected a mapping of keys, got {_kind(value)}")
            return None
        for key in value:
            if str(key) not in allowed:
                name = f"{field}.{key}" if field else str(key)
                self.add(name, f"unknown key '{key}'{suggest(str(key), allowed)}")
        for key in allowed:
            if key not in value and key not in optional:
                self.add(field or "", f"missing required key '{key}'")
        if not field:  # the whole document, once
            for dup, line in self.doc.duplicate_keys:
                self.problems.append(Problem(self.path, line, dup, "key appears twice"))
        return value

    def text(self, data: dict[str, Any], key: str, field: str | None = None, *, one_line: bool = False,
             max_len: int | None = None) -> str:
        field = field or key
        value = data.get(key)
        if value is None:
            return ""
        if self.placeholder(field, value):
            return ""
        if not isinstance(value, str):
            self.add(field, f"expected text, got {_kind(value)}")
            return ""
        if not value.strip():
            self.add(field, "must not be empty")
        if one_line and "\n" in value.strip():
            self.add(field, "must be a single line")
        if max_len is not None and len(value.strip()) > max_len:
            self.add(field, f"is {len(value.strip())} characters; the limit is {max_len}")
        return value.strip()

    def text_list(self, data: dict[str, Any], key: str, *, min_items: int = 1, max_items: int | None = None,
                  required: bool = True) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if self.placeholder(key, value):
            return ()
        if not isinstance(value, list):
            self.add(key, f"expected a list, got {_kind(value)}")
            return ()
        if len(value) < min_items and required:
            self.add(key, f"needs at least {min_items} item{'s' if min_items > 1 else ''}")
        if max_items is not None and len(value) > max_items:
            self.add(key, f"has {len(value)} items; the limit is {max_items}")
        items: list[str] = []
        for i, item in enumerate(value):
            if self.placeholder(f"{key}[{i}]", item):
                continue
            if not isinstance(item, str) or not item.strip():
                self.add(f"{key}[{i}]", f"expected non-empty text, got {_kind(item)}")
                continue
            items.append(item.strip())
        return tuple(items)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _read(path: Path, problems: list[Problem]) -> Doc | None:
    try:
        return read_yaml(path)
    except YamlProblem as exc:
        problems.append(Problem(display_path(path), exc.line, "", exc.message))
        return None


# --- themes -----------------------------------------------------------------------------

def load_themes(path: Path, problems: list[Problem]) -> dict[str, Theme]:
    doc = _read(path, problems)
    if doc is None:
        return {}
    check = _Checker(path, doc)
    top = check.mapping(doc.data, "", ("themes",), set())
    themes: dict[str, Theme] = {}
    items = top.get("themes") if top else None
    if top is not None and not isinstance(items, list):
        check.add("themes", f"expected a list, got {_kind(items)}")
        items = []
    for i, item in enumerate(items or []):
        field = f"themes[{i}]"
        if not isinstance(item, dict):
            check.add(field, f"expected a mapping, got {_kind(item)}")
            continue
        for key in item:
            if key not in ("id", "label", "description"):
                check.add(f"{field}.{key}", f"unknown key '{key}'{suggest(str(key), ('id', 'label', 'description'))}")
        tid = item.get("id")
        if not isinstance(tid, str) or not SLUG.match(tid):
            check.add(f"{field}.id", f"expected a lowercase slug, got {tid!r}")
            continue
        if tid in themes:
            check.add(f"{field}.id", f"duplicate theme id '{tid}'")
        label, desc = item.get("label"), item.get("description")
        if not isinstance(label, str) or not label.strip():
            check.add(f"{field}.label", "expected a short label")
        if not isinstance(desc, str) or not desc.strip():
            check.add(f"{field}.description", "expected a one-sentence description")
        themes[tid] = Theme(tid, str(label or tid).strip(), str(desc or "").strip())
    problems.extend(check.problems)
    return themes


# --- framework --------------------------------------------------------------------------

def load_framework(path: Path, problems: list[Problem]) -> Framework:
    doc = _read(path, problems)
    if doc is None:
        return Framework(())
    check = _Checker(path, doc)
    top = check.mapping(doc.data, "", ("strands",), set())
    strands: list[Strand] = []
    raw_strands = top.get("strands") if top else None
    if not isinstance(raw_strands, list):
        check.add("strands", f"expected a list, got {_kind(raw_strands)}")
        raw_strands = []
    for i, raw in enumerate(raw_strands):
        field = f"strands[{i}]"
        data = check.mapping(raw, field, ("id", "title", "stages"), set())
        if data is None:
            continue
        sid = data.get("id")
        if sid not in STRANDS:
            check.add(f"{field}.id", f"unknown strand {sid!r}{suggest(str(sid), STRANDS)}")
            continue
        stages: list[Stage] = []
        raw_stages = data.get("stages") or []
        if not isinstance(raw_stages, list):
            check.add(f"{field}.stages", "expected a list of stages")
            raw_stages = []
        for j, raw_stage in enumerate(raw_stages):
            stage = _load_stage(check, raw_stage, f"{field}.stages[{j}]")
            if stage:
                stages.append(stage)
        strands.append(Strand(sid, check.text(data, "title", f"{field}.title"), tuple(stages)))
    if not any(s.id == "desistance" for s in strands) and top is not None:
        check.add("strands", "the desistance strand is required")
    problems.extend(check.problems)
    return Framework(tuple(strands))


LABEL_MAX = 48  # a checklist line at 80 columns beside the chat


def _load_stage(check: _Checker, raw: Any, field: str) -> Stage | None:
    data = check.mapping(raw, field, ("id", "title", "description", "expectations"), set())
    if data is None:
        return None
    sid = data.get("id")
    if sid not in STAGES:
        check.add(f"{field}.id", f"unknown stage {sid!r}{suggest(str(sid), STAGES)}")
        return None
    expectations: list[Expectation] = []
    raw_list = data.get("expectations")
    if not isinstance(raw_list, list):
        check.add(f"{field}.expectations", "expected a list of expectations")
        raw_list = []
    elif not 5 <= len(raw_list) <= 12:
        check.add(f"{field}.expectations", f"has {len(raw_list)} expectations; a stage has 5-12")
    seen: set[str] = set()
    for k, raw_exp in enumerate(raw_list):
        efield = f"{field}.expectations[{k}]"
        exp = check.mapping(raw_exp, efield, ("id", "label", "text", "probe"), {"label"})
        if exp is None:
            continue
        eid = exp.get("id")
        if not isinstance(eid, str) or not SLUG.match(eid):
            check.add(f"{efield}.id", f"expected a lowercase slug, got {eid!r}")
            continue
        if eid in seen:
            check.add(f"{efield}.id", f"duplicate expectation id '{eid}' in this stage")
        seen.add(eid)
        expectations.append(Expectation(eid, check.text(exp, "text", f"{efield}.text"),
                                        check.text(exp, "probe", f"{efield}.probe"),
                                        check.text(exp, "label", f"{efield}.label", one_line=True,
                                                   max_len=LABEL_MAX)))
    return Stage(sid, check.text(data, "title", f"{field}.title"),
                 check.text(data, "description", f"{field}.description"), tuple(expectations))


# --- cases ------------------------------------------------------------------------------

def load_case(path: Path, themes: dict[str, Theme], framework: Framework | None = None) -> tuple[Case | None, list[Problem]]:
    """Read one case file; the case is None when any error was found."""
    problems: list[Problem] = []
    doc = _read(path, problems)
    if doc is None:
        return None, problems
    check = _Checker(path, doc)
    data = check.mapping(doc.data, "", CASE_KEYS, OPTIONAL_CASE_KEYS)
    if data is None:
        return None, check.problems

    case_id = data.get("id")
    if isinstance(case_id, str) and (PLACEHOLDER_ID in case_id or PLACEHOLDER in case_id):
        check.add("id", f"fill in the child's name, stage and a short topic in '{case_id}' "
                        "(e.g. ravi-planning-exploitation), then rename the file to match: ID.yaml")
        case_id = ""
    elif not isinstance(case_id, str) or not SLUG.match(case_id) or not 3 <= len(case_id) <= 80:
        if "id" in data:
            check.add("id", f"expected a lowercase slug of 3-80 characters [a-z0-9-], got {case_id!r}")
        case_id = ""
    elif case_id != path.stem:
        check.add("id", f"'{case_id}' differs from the file name '{path.stem}' (they must match)")

    title = check.text(data, "title", one_line=True, max_len=120)
    stage = _choice(check, data, "stage", STAGES)
    strand = _choice(check, data, "strand", STRANDS) if "strand" in data else "desistance"
    if stage and strand and framework is not None and framework.strands and framework.stage(strand, stage) is None:
        check.add("stage", f"the framework has no '{stage}' stage in the '{strand}' strand")

    case_themes = check.text_list(data, "themes", max_items=8)
    for i, theme in enumerate(case_themes):
        if theme not in themes:
            check.add(f"themes[{i}]", f"unknown theme '{theme}'{suggest_theme(theme, themes)}")
    if len(set(case_themes)) != len(case_themes):
        check.add("themes", "lists a theme more than once")

    child = _child(check, data.get("child")) if "child" in data else None
    disposal = check.text(data, "disposal")
    offences = check.text_list(data, "offences")
    summary = check.text(data, "summary")
    if summary and len(summary.split()) < MIN_SUMMARY_WORDS:
        check.add("summary", f"is {len(summary.split())} words; a summary needs at least {MIN_SUMMARY_WORDS}")
    comments = check.text(data, "inspector_comments")
    learning = check.text_list(data, "learning")
    questions = check.text_list(data, "questions")
    reading = check.text_list(data, "further_reading", required=False)
    if "fictional" in data and data.get("fictional") is not True:
        check.add("fictional", f"must be true (the bank holds fictional illustrations only), got {data.get('fictional')!r}")

    if any(p.severity == "error" for p in check.problems) or child is None:
        return None, check.problems
    case = Case(
        id=case_id, title=title, stage=stage, strand=strand, themes=case_themes, child=child,
        disposal=disposal, offences=offences, summary=summary, inspector_comments=comments,
        learning=learning, questions=questions, further_reading=reading, source=check.path,
    )
    return case, check.problems


def suggest_theme(word: str, themes: dict[str, Theme]) -> str:
    """Near-miss spelling first; otherwise a theme whose label or description names the word."""
    close = suggest(word, themes)
    if close:
        return close
    stem = word.lower().rstrip("s")
    for theme in themes.values():
        haystack = f"{theme.label} {theme.description}".lower()
        if len(stem) >= 3 and re.search(rf"\b{re.escape(stem)}", haystack):
            return f" (did you mean '{theme.id}'?)"
    return ""


def _choice(check: _Checker, data: dict[str, Any], key: str, choices: tuple[str, ...]) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if check.placeholder(key, value):
        return ""
    if not isinstance(value, str) or value not in choices:
        check.add(key, f"unknown {key} {value!r}{suggest(str(value), choices)}; one of: {' | '.join(choices)}")
        return ""
    return value


def _child(check: _Checker, raw: Any) -> Child | None:
    data = check.mapping(raw, "child", CHILD_KEYS, {"gender"})
    if data is None:
        return None
    name = check.text(data, "name", "child.name", one_line=True, max_len=40)
    if name and len(name.split()) > 1:
        check.add("child.name", "a fictional first name only")
    age = data.get("age")
    if check.placeholder("child.age", age):
        age = 0
    elif isinstance(age, bool) or not isinstance(age, int):
        if "age" in data:
            check.add("child.age", f"expected a whole number, got {_kind(age)}")
        age = 0
    elif not 10 <= age <= 18:
        check.add("child.age", f"{age} is outside the youth justice age range 10-18")
    gender = data.get("gender", "")
    if check.placeholder("child.gender", gender):
        gender = ""
    elif gender is not None and not isinstance(gender, str):
        check.add("child.gender", f"expected text, got {_kind(gender)}")
        gender = ""
    return Child(name=name, age=int(age), gender=(gender or "").strip())


# --- the bank ---------------------------------------------------------------------------

def case_files(root: Path) -> list[Path]:
    folder = root / "cases"
    return sorted(p for p in folder.glob("*.yaml") if p.is_file()) if folder.is_dir() else []


def load_bank(root: Path | str | None = None,
              progress: Callable[[Path], None] | None = None) -> Bank:
    """Load every case of a bank folder; problems are collected, never raised."""
    root = Path(root) if root is not None else BUNDLED_CASEBANK
    problems: list[Problem] = []
    if not root.is_dir():
        problems.append(Problem(display_path(root), None, "", "case bank folder not found"))
        return Bank(str(root), Framework(()), {}, [], problems)
    themes = load_themes(_own_or_bundled(root, "themes.yaml"), problems)
    framework = load_framework(_own_or_bundled(root, "framework.yaml"), problems)
    bank = Bank(str(root), framework, themes, [], problems)
    if not (root / "cases").is_dir():
        problems.append(Problem(display_path(root / "cases"), None, "", "no cases folder"))
    seen: dict[str, str] = {}
    for path in case_files(root):
        if progress:
            progress(path)
        case, case_problems = load_case(path, themes, framework)
        problems.extend(case_problems)
        if case is None:
            continue
        if case.id in seen:
            problems.append(Problem(display_path(path), 1, "id", f"duplicate id '{case.id}' (also in {seen[case.id]})"))
            continue
        seen[case.id] = display_path(path)
        bank.cases.append(case)
    return bank


def validate_paths(paths: list[Path], root: Path) -> Bank:
    """Validate the named files (or folders of them) against the bank's themes and framework."""
    problems: list[Problem] = []
    themes = load_themes(_own_or_bundled(root, "themes.yaml"), problems)
    framework = load_framework(_own_or_bundled(root, "framework.yaml"), problems)
    bank = Bank(str(root), framework, themes, [], problems)
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(case_files(path) or sorted(path.glob("*.yaml")))
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(display_path(path), None, "", "no such file"))
    seen: dict[str, str] = {}
    for path in files:
        case, case_problems = load_case(path, themes, framework)
        problems.extend(case_problems)
        if case is not None:
            if case.id in seen:
                problems.append(Problem(display_path(path), 1, "id", f"duplicate id '{case.id}' (also in {seen[case.id]})"))
                continue
            seen[case.id] = display_path(path)
            bank.cases.append(case)
    return bank


def _own_or_bundled(root: Path, name: str) -> Path:
    own = root / name
    return own if own.exists() else BUNDLED_CASEBANK / name
