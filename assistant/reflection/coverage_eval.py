"""How well a coverage method agrees with people's judgments of whole answers.

An answer is judged against every expectation of its stage at once, so a method that ticks
everything pays in precision and one that ticks nothing pays in recall. Vague answers are
counted apart: a supervisor must never read a tick that a vague sentence earned.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import yaml

VAGUE_KINDS = frozenset({"vague"})


@dataclass(frozen=True)
class JudgedAnswer:
    strand: str
    stage: str
    text: str
    covers: frozenset[str]
    kind: str = ""
    id: str = ""


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    answers: int = 0
    vague: int = 0
    vague_ticking: int = 0
    vague_ticks: int = 0

    def add(self, answer: JudgedAnswer, predicted: set[str]) -> None:
        self.answers += 1
        self.tp += len(predicted & answer.covers)
        self.fp += len(predicted - answer.covers)
        self.fn += len(answer.covers - predicted)
        if answer.kind in VAGUE_KINDS:
            self.vague += 1
            self.vague_ticking += bool(predicted)
            self.vague_ticks += len(predicted)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p == p and r == r and p + r else 0.0

    @property
    def vague_share(self) -> float:
        """The share of vague answers that tick anything at all."""
        return self.vague_ticking / self.vague if self.vague else float("nan")


@dataclass
class Report:
    overall: Tally = field(default_factory=Tally)
    by_group: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))


def group_of(answer: JudgedAnswer) -> str:
    """Desistance by stage; the smaller strands as a whole."""
    return f"desistance/{answer.stage}" if answer.strand == "desistance" else answer.strand


def evaluate(answers: Iterable[JudgedAnswer], predict: Callable[[JudgedAnswer], set[str]]) -> Report:
    report = Report()
    for answer in answers:
        predicted = set(predict(answer))
        report.overall.add(answer, predicted)
        report.by_group[group_of(answer)].add(answer, predicted)
    return report


def load_judged(path: Path) -> list[JudgedAnswer]:
    """Answers with their judged expectations (`answers: [{strand, stage, text, covers, kind}]`)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [JudgedAnswer(a.get("strand", "desistance"), a["stage"], a["text"].strip(),
                         frozenset(a.get("covers") or ()), a.get("kind", ""), str(a.get("id", "")))
            for a in data["answers"]]
