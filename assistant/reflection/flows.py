"""Flows: the question sequences of a reflection, read from `prompts/flows/*.yaml`.

A flow is data, so a trainer can add one without code. A broken flow file is reported by
name and left out; the others still load. A file with `kind: group` in the same folder is a
group session's format, read by `assistant/group/formats.py`: it is skipped here, and only
a file that is not YAML at all is reported by both loaders (the app shows it once).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from assistant.casebank.load import display_path, suggest
from assistant.casebank.model import STAGE_LABELS, STAGES, Problem
from assistant.casebank.yamlfile import YamlProblem, read_yaml
from assistant.paths import PROMPTS_DIR

FLOWS_DIR = PROMPTS_DIR / "flows"
QUESTION_KEYS = ("id", "text", "kind", "record_field")
FLOW_KEYS = ("id", "title", "description", "default", "kind", "max_probes", "questions", "stage_questions", "closing")
CLOSING_KINDS = ("question", "actions", "support")
#: What a question's answer is evidence of, for the records people file (the CPD entry, the
#: supervision record): named on the question as `record_field: learning` (or a list), so which
#: answer goes where is data a trainer can change, never a match on the question's words.
RECORD_FIELDS = ("description", "discussion", "peer_learning", "learning", "impact", "decisions", "child_view")


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: str = "question"  # in closing: question | actions | support
    record_fields: tuple[str, ...] = ()  # of RECORD_FIELDS: where its answers go in filed records


@dataclass(frozen=True)
class Flow:
    id: str
    title: str
    description: str
    questions: tuple[Question, ...]
    stage_questions: dict[str, tuple[Question, ...]]
    closing: tuple[Question, ...]
    max_probes: int = 3
    default: bool = False
    kind: str = "reflection"  # "group" files are formats, read by assistant/group/formats.py

    def main_questions(self, stage: str) -> list[Question]:
        """The questions before the close, with the stage's own (or the default) in the middle."""
        own = self.stage_questions.get(stage) or self.stage_questions.get("default") or ()
        return [*self.questions, *own]


def fill(text: str, stage: str, stage_title: str = "") -> str:
    """Put the stage into a flow's wording; nothing else in the text is interpreted."""
    label = STAGE_LABELS.get(stage, stage).lower() if stage else "case"
    return text.replace("{stage_title}", stage_title or label).replace("{stage}", label)


def record_fields(raw: Any, field: str, add: Callable[[str, str], None]) -> tuple[str, ...]:
    """A question's `record_field`: one name or a list of names from RECORD_FIELDS."""
    if raw is None:
        return ()
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        add(field, f"expected one of {', '.join(RECORD_FIELDS)}, or a list of them")
        return ()
    known = []
    for name in names:
        if name in RECORD_FIELDS:
            known.append(name)
        else:
            add(field, f"unknown record field '{name}'{suggest(name, RECORD_FIELDS)}")
    return tuple(dict.fromkeys(known))


def load_flows(folder: Path = FLOWS_DIR) -> tuple[list[Flow], list[Problem]]:
    flows: list[Flow] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yaml")):
        flow, found = load_flow(path)
        problems.extend(found)
        if flow is not None:
            if any(f.id == flow.id for f in flows):
                problems.append(Problem(display_path(path), 1, "id", f"duplicate flow id '{flow.id}'"))
                continue
            flows.append(flow)
    flows.sort(key=lambda f: (not f.default, f.title.lower()))
    return flows, problems


def load_flow(path: Path) -> tuple[Flow | None, list[Problem]]:
    where = display_path(path)
    try:
        doc = read_yaml(path)
    except YamlProblem as exc:
        return None, [Problem(where, exc.line, "", exc.message)]
    data = doc.data
    problems: list[Problem] = []

    def add(field: str, message: str) -> None:
        problems.append(Problem(where, doc.line(field), field, message))

    if not isinstance(data, dict):
        return None, [Problem(where, 1, "", "expected a mapping of keys")]
    if data.get("kind") == "group":
        return None, []  # a group format: the group layer reads and checks it
    for key in data:
        if key not in FLOW_KEYS:
            add(str(key), f"unknown key '{key}'{suggest(str(key), FLOW_KEYS)}")
    for key in ("id", "title"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            add(key, "required text")
    max_probes = data.get("max_probes", 3)
    if isinstance(max_probes, bool) or not isinstance(max_probes, int) or not 0 <= max_probes <= 12:
        add("max_probes", "expected a whole number from 0 to 12")
        max_probes = 3
    kind = data.get("kind", "reflection")
    if kind != "reflection":
        add("kind", f"expected 'reflection' (or 'group' for a group session's format), got {kind!r}")

    def questions(raw: Any, field: str, closing: bool = False) -> tuple[Question, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            add(field, "expected a list of questions")
            return ()
        out = []
        for i, item in enumerate(raw):
            f = f"{field}[{i}]"
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("text"), str):
                add(f, "expected 'id' and 'text'")
                continue
            qkind = item.get("kind", "question")
            if qkind not in (CLOSING_KINDS if closing else ("question",)):
                add(f"{f}.kind", f"unknown kind {qkind!r}")
                continue
            for key in item:
                if key not in QUESTION_KEYS:
                    add(f"{f}.{key}", f"unknown key '{key}'{suggest(str(key), QUESTION_KEYS)}")
            fields = record_fields(item.get("record_field"), f"{f}.record_field", add)
            out.append(Question(item["id"], " ".join(item["text"].split()), qkind, fields))
        return tuple(out)

    stage_questions: dict[str, tuple[Question, ...]] = {}
    raw_stage = data.get("stage_questions") or {}
    if not isinstance(raw_stage, dict):
        add("stage_questions", "expected a mapping of stage to questions")
        raw_stage = {}
    for stage, raw in raw_stage.items():
        if stage not in (*STAGES, "default"):
            add(f"stage_questions.{stage}", f"unknown stage '{stage}'{suggest(str(stage), STAGES)}")
            continue
        stage_questions[stage] = questions(raw, f"stage_questions.{stage}")
    flow = Flow(
        id=str(data.get("id", "")).strip(), title=str(data.get("title", "")).strip(),
        description=" ".join(str(data.get("description", "")).split()),
        questions=questions(data.get("questions"), "questions"), stage_questions=stage_questions,
        closing=questions(data.get("closing"), "closing", closing=True), max_probes=max_probes,
        default=data.get("default") is True, kind="reflection",
    )
    if not flow.questions and not stage_questions:
        add("questions", "a flow needs at least one question")
    ids = [q.id for q in (*flow.questions, *flow.closing)] + [q.id for qs in stage_questions.values() for q in qs]
    if len(set(ids)) != len(ids) and not stage_questions:
        add("questions", "question ids must be unique")
    return (None if problems else flow), problems
