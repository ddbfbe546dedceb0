"""The checklist of a stage's expectations: what the reflection seems to show, and what the person said.

A machine reading is a suggestion: the panel and the log keep apart what the practitioner
confirmed, what was suggested and never confirmed, and what was not discussed (never
suggested, or cleared by the person).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from assistant.casebank.model import Expectation
from assistant.store import CoverageMark

STATES = ("open", "suggested", "confirmed", "cleared")


@dataclass(frozen=True)
class ChecklistEntry:
    id: str
    label: str
    text: str
    state: str  # open | suggested | confirmed | cleared
    sentence: str = ""  # the sentence that earned the suggestion
    score: float | None = None

    @property
    def shown(self) -> bool:
        """Counted as covered: suggested or confirmed."""
        return self.state in ("suggested", "confirmed")


def checklist(expectations: Sequence[Expectation], marks: Iterable[CoverageMark]) -> list[ChecklistEntry]:
    """One entry per expectation, in the framework's order."""
    by_id = {m.expectation_id: m for m in marks}
    entries = []
    for exp in expectations:
        mark = by_id.get(exp.id)
        state = mark.state if mark else "open"
        entries.append(ChecklistEntry(exp.id, exp.short, exp.text, state,
                                      mark.sentence if mark else "", mark.score if mark else None))
    return entries
