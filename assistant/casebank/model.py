"""The case bank's vocabulary: cases, the framework's strands, stages and expectations, themes.

Plain frozen dataclasses so that every other layer can rely on a case being valid once it
exists: validation happens in `load`, never later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STAGES: tuple[str, ...] = ("assessment", "planning", "implementation", "review")
STRANDS: tuple[str, ...] = ("desistance", "safety", "others-safety")
STAGE_LABELS: dict[str, str] = {
    "assessment": "Assessment",
    "planning": "Planning",
    "implementation": "Implementation and delivery",
    "review": "Review",
}
STRAND_LABELS: dict[str, str] = {
    "desistance": "Supporting desistance",
    "safety": "Keeping the child safe",
    "others-safety": "Keeping other people safe",
}


@dataclass(frozen=True)
class Child:
    name: str
    age: int
    gender: str = ""


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    stage: str
    strand: str
    themes: tuple[str, ...]
    child: Child
    disposal: str
    offences: tuple[str, ...]
    summary: str
    inspector_comments: str
    learning: tuple[str, ...]
    questions: tuple[str, ...]
    further_reading: tuple[str, ...] = ()
    source: str = ""  # the file it was loaded from, for messages

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)

    def sections(self) -> list[tuple[str, str]]:
        """The case's text as (section name, text) pairs, in reading order."""
        return [
            ("summary", self.summary),
            ("inspector_comments", self.inspector_comments),
            ("learning", "\n".join(self.learning)),
            ("questions", "\n".join(self.questions)),
        ]

    def full_text(self) -> str:
        """Everything a reader might search for, as one text (for lexical search)."""
        parts = [
            self.title,
            f"{self.child.name}, {self.child.age}, {self.child.gender}".strip(", "),
            self.disposal,
            "; ".join(self.offences),
        ]
        parts += [text for _, text in self.sections()]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    description: str


@dataclass(frozen=True)
class Expectation:
    id: str
    text: str
    probe: str
    label: str = ""  # about six words, for checklists; falls back to the text

    @property
    def short(self) -> str:
        return self.label or self.text


@dataclass(frozen=True)
class Stage:
    id: str
    title: str
    description: str
    expectations: tuple[Expectation, ...]


@dataclass(frozen=True)
class Strand:
    id: str
    title: str
    stages: tuple[Stage, ...]

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)


@dataclass(frozen=True)
class Framework:
    strands: tuple[Strand, ...]

    def strand(self, strand_id: str) -> Strand | None:
        return next((s for s in self.strands if s.id == strand_id), None)

    def stage(self, strand_id: str, stage_id: str) -> Stage | None:
        strand = self.strand(strand_id)
        return strand.stage(stage_id) if strand else None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, printed as `FILE:LINE: field: message`."""

    path: str
    line: int | None
    field: str
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {what}"


@dataclass
class Bank:
    """A loaded case bank: the valid cases, and every problem found on the way."""

    root: str
    framework: Framework
    themes: dict[str, Theme]
    cases: list[Case] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def case(self, case_id: str) -> Case | None:
        return next((c for c in self.cases if c.id == case_id), None)
