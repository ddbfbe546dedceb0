"""Which cases a person is looking among: stage, strand, themes and the child's age.

One definition serves the search (candidates are masked before ranking) and the listings of
the case browser and group setup (the same filter, sorted by stage then title), so the two
can never disagree about what a filter means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from assistant.casebank.model import STAGES, Case

AGE_BANDS: dict[str, tuple[int, int]] = {"10-12": (10, 12), "13-14": (13, 14), "15-16": (15, 16), "17-18": (17, 18)}


@dataclass(frozen=True)
class Filters:
    stage: str | None = None
    strand: str | None = None
    themes: tuple[str, ...] = ()
    age_band: str | None = None  # a key of AGE_BANDS

    def allows(self, case: Case) -> bool:
        low, high = AGE_BANDS.get(self.age_band or "", (0, 99))
        return ((self.stage is None or case.stage == self.stage)
                and (self.strand is None or case.strand == self.strand)
                and all(t in case.themes for t in self.themes)
                and low <= case.child.age <= high)


def listing(cases: Iterable[Case], filters: Filters = Filters()) -> list[Case]:
    """The cases a filter allows, in the order a person browses them: by stage, then title."""
    order = {stage: i for i, stage in enumerate(STAGES)}
    return sorted((c for c in cases if filters.allows(c)), key=lambda c: (order.get(c.stage, len(order)), c.title))
