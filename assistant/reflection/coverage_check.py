"""Coverage of answers given outside a reflection: what `reflect coverage` reads and reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.casebank.model import Bank, Framework
from assistant.casebank.yamlfile import YamlProblem, read_yaml
from assistant.reflection.coverage import Encoder, Evidence
from assistant.reflection.coverage_train import CoverageBook, open_coverage

MAX_TEXT = 20_000  # as an answer in the app


@dataclass(frozen=True)
class AnswerItem:
    strand: str
    stage: str
    text: str


@dataclass
class CoverageResult:
    item: AnswerItem
    evidence: list[Evidence] = field(default_factory=list)
    next_probe: str | None = None
    next_probe_text: str = ""

    @property
    def covered(self) -> list[str]:
        return [e.expectation for e in self.evidence]

    def as_json(self) -> dict[str, Any]:
        return {"strand": self.item.strand, "stage": self.item.stage, "covered": self.covered,
                "evidence": [{"expectation": e.expectation, "sentence": e.sentence, "score": e.score}
                             for e in self.evidence],
                "next_probe": self.next_probe}


def open_book(paths: Any, bank: Bank, encoder: Encoder) -> CoverageBook:
    return open_coverage(paths.casebank, paths.index_dir, bank.framework, encoder, getattr(encoder, "id", ""))


def check(book: CoverageBook, item: AnswerItem) -> CoverageResult:
    checker = book.checker(item.strand, item.stage)
    evidence = checker.assess(item.text)
    probe = checker.next_probe(item.text, {e.expectation for e in evidence})
    return CoverageResult(item, evidence, probe.id if probe else None, probe.probe if probe else "")


def read_answers(path: Path, framework: Framework) -> tuple[list[AnswerItem], list[str]]:
    """The answers of a YAML file, or one line per problem naming where it is."""
    try:
        doc = read_yaml(path)
    except YamlProblem as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        return [], [f"{where}: {exc.message}"]
    answers = doc.data.get("answers") if isinstance(doc.data, dict) else None
    if not isinstance(answers, list) or not answers:
        return [], [f"{path}:{doc.line('answers')}: answers: expected a list of {{strand, stage, text}}"]
    items, problems = [], []
    for k, raw in enumerate(answers):
        where = f"{path}:{doc.line(f'answers[{k}]')}: answers[{k}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a mapping with strand, stage and text")
            continue
        strand, stage, text = str(raw.get("strand") or "desistance"), str(raw.get("stage") or ""), raw.get("text")
        if framework.strand(strand) is None:
            problems.append(f"{where}.strand: unknown strand '{strand}'")
        elif framework.stage(strand, stage) is None:
            problems.append(f"{where}.stage: unknown stage '{stage}' of strand '{strand}'")
        elif not isinstance(text, str) or not text.strip():
            problems.append(f"{where}.text: expected the answer's text")
        elif len(text) > MAX_TEXT:
            problems.append(f"{where}.text: {len(text):,} characters; the limit is {MAX_TEXT:,}")
        else:
            items.append(AnswerItem(strand, stage, text))
    return items, problems
