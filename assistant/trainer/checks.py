"""The extra checks of `reflect case validate`: identifiers (cheap, standard library) and,
with the embedding model, near duplicates and findability, on a trainer's bank and against the
bundled bank. All thresholds were measured on the bundled bank (see `tests/test_trainer.py` and
the README's "For trainers" section).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from assistant.casebank.model import Case, Problem

if TYPE_CHECKING:
    import numpy as np

    from assistant.search import Embedder
    from assistant.search.engine import Searcher
    from assistant.search.index import Index

# Near duplicates: passage-matched similarity (see `case_similarities`). Over the bundled bank
# each case's nearest other case lies at 0.47-0.69 (median 0.55); a copy with the child renamed
# and a few phrases changed scores 0.84. 0.78 sits between, with margin on both sides.
NEAR_DUPLICATE = 0.78

# Findability: a query of the case's title and the first sentence of its summary must find
# the case among the top FINDABLE_TOP of hybrid search (all 44 bundled cases pass).
FINDABLE_TOP = 3

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

# --- extra checks for `reflect case validate` -------------------------------------------

def _text_fields(case: Case) -> list[tuple[str, str]]:
    out = [("title", case.title), ("disposal", case.disposal)]
    out += [(f"offences[{i}]", t) for i, t in enumerate(case.offences)]
    out += [("summary", case.summary), ("inspector_comments", case.inspector_comments)]
    for key in ("learning", "questions", "further_reading"):
        out += [(f"{key}[{i}]", t) for i, t in enumerate(getattr(case, key))]
    return out


class _Lines:
    """The line of a field in a case's file, read on demand (None when it cannot be told)."""

    def __init__(self) -> None:
        self._docs: dict[str, object] = {}

    def __call__(self, case: Case, field: str) -> int | None:
        from assistant.casebank.yamlfile import YamlProblem, read_yaml

        if case.source not in self._docs:
            try:
                self._docs[case.source] = read_yaml(Path(case.source))
            except (YamlProblem, OSError):
                self._docs[case.source] = None
        doc = self._docs[case.source]
        return doc.line(field) if doc is not None else None  # type: ignore[attr-defined]


def identifier_problems(cases: Sequence[Case]) -> list[Problem]:
    """Warnings for text that looks like a real identifier (privacy.py's detectors)."""
    from assistant.privacy import describe, find_identifiers

    lines = _Lines()
    problems: list[Problem] = []
    for case in cases:
        for name, text in _text_fields(case):
            findings = find_identifiers(text)
            if findings:
                what = describe(findings).replace("Possible identifiers: ", "")
                problems.append(Problem(case.source, lines(case, name), name,
                                        f"looks like a real identifier: {what} (a case must hold none)",
                                        "warning"))
    return problems


@dataclass(frozen=True)
class Neighbour:
    case_id: str
    other_id: str
    similarity: float


def case_similarities(index) -> "np.ndarray":
    """Case-by-case similarity: how well each passage of one case is matched in the other.

    For cases A and B: the mean, over A's passages, of each one's best cosine similarity to a
    passage of B, averaged with the same from B to A (header passages left out). A copy with a
    new name and a few words changed keeps most passages close to their originals.
    """
    import numpy as np

    prose = np.array([c.section != "title" for c in index.chunks], dtype=bool)
    owner = np.repeat(np.arange(len(index.case_ids)), np.diff(np.append(index.case_starts, len(index.chunks))))
    vectors, owner = index.vectors[prose], owner[prose]
    n = len(index.case_ids)
    if n < 2 or not len(vectors):
        return np.zeros((n, n), dtype=np.float32)
    starts = np.searchsorted(owner, np.arange(n))
    sims = vectors @ vectors.T
    best = np.maximum.reduceat(sims, starts, axis=1)  # passage -> its best match in each case
    counts = np.bincount(owner, minlength=n)
    one_way = np.add.reduceat(best, starts, axis=0) / np.maximum(counts, 1)[:, None]  # A -> B
    return ((one_way + one_way.T) / 2).astype(np.float32)


def nearest_neighbours(index) -> list[Neighbour]:
    """Each case's most similar other case in the index."""
    import numpy as np

    sims = case_similarities(index)
    if len(sims) < 2:
        return []
    np.fill_diagonal(sims, -np.inf)
    best = sims.argmax(axis=1)
    return [Neighbour(index.case_ids[i], index.case_ids[j], float(sims[i, j])) for i, j in enumerate(best)]


def findability_query(case: Case) -> str:
    first = SENTENCE_END.split(case.summary.strip(), maxsplit=1)[0]
    return f"{case.title}. {first}"


def bundled_reference(casebank: Path) -> list[Case]:
    """The bundled cases a trainer's own bank is checked against ([] for the bundled bank itself).

    A bank of one or two cases has nothing to be a near duplicate of and nothing to be lost
    among; the bundled bank is what a shared case will sit beside, so it is the fair yardstick.
    """
    from assistant.casebank.load import load_bank
    from assistant.paths import BUNDLED_CASEBANK, is_bundled

    return [] if is_bundled(casebank) else list(load_bank(BUNDLED_CASEBANK).cases)


@dataclass(frozen=True)
class _Pool:
    """The cases the checks run over: the bank, the checked cases, and the bundled reference."""

    cases: list[Case]
    reference_ids: frozenset[str]  # the bundled cases added from outside the bank

    @property
    def by_id(self) -> dict[str, Case]:
        return {c.id: c for c in self.cases}


def _pool(checked: Sequence[Case], bank_cases: Sequence[Case], reference: Sequence[Case]) -> _Pool:
    """The bank without the checked cases' old versions, then the checked cases, then the
    reference cases the bank does not already hold (a bank's own version of a case wins)."""
    checked_ids = {c.id for c in checked}
    checked_files = {_resolved(c.source) for c in checked}
    cases = [c for c in bank_cases if c.id not in checked_ids and _resolved(c.source) not in checked_files]
    cases += list(checked)
    ids, files = {c.id for c in cases}, {_resolved(c.source) for c in cases}
    extra = [c for c in reference if c.id not in ids and _resolved(c.source) not in files]
    return _Pool(cases + extra, frozenset(c.id for c in extra))


def model_problems(checked: Sequence[Case], bank_cases: Sequence[Case], index_dir: Path,
                   embedder: "Embedder | None" = None, *, reference: Sequence[Case] = (),
                   threshold: float = NEAR_DUPLICATE, top: int = FINDABLE_TOP) -> list[Problem]:
    """Near duplicates and findability of `checked`, against the bank, each other and `reference`.

    `reference` is the bundled bank when a trainer checks a bank of their own (see
    `bundled_reference`). The passages come from the bank's index cache or the committed
    bundled index where they are there already (both only read, never written); new or
    edited cases are embedded on the spot.
    """
    from assistant.search import Embedder
    from assistant.search.engine import Searcher
    from assistant.search.index import build
    from assistant.paths import BUNDLED_INDEX

    if not checked:
        return []
    embedder = embedder or Embedder(index_dir=index_dir)
    pool = _pool(checked, bank_cases, reference)
    index, _ = build(pool.cases, index_dir, embedder, write=False, seed_dirs=[BUNDLED_INDEX])
    lines = _Lines()
    problems = _near_duplicates(checked, pool, index, threshold, lines)
    searcher = Searcher(pool.cases, index)
    for case, found in zip(checked, findability(checked, searcher, embedder, top)):
        if found.rank > top:
            problems.append(_lost(case, found, top, lines))
    return problems


def _near_duplicates(checked: Sequence[Case], pool: _Pool, index: "Index", threshold: float,
                     lines: _Lines) -> list[Problem]:
    """For each checked case, its nearest case of the bank and its nearest bundled case, when
    either reaches `threshold`: a copy of a bundled case is worth a warning of its own."""
    import numpy as np

    sims = case_similarities(index)
    np.fill_diagonal(sims, -np.inf)
    row = {cid: i for i, cid in enumerate(index.case_ids)}
    in_reference = np.array([cid in pool.reference_ids for cid in index.case_ids], dtype=bool)
    by_id = pool.by_id
    problems: list[Problem] = []
    for case in checked:
        for group in (~in_reference, in_reference):
            scores = np.where(group, sims[row[case.id]], -np.inf)
            if not group.any() or float(scores.max()) < threshold:
                continue
            other = by_id[index.case_ids[int(scores.argmax())]]
            problems.append(_duplicate(case, other, float(scores.max()), threshold,
                                       other.id in pool.reference_ids, lines))
    return problems


def _duplicate(case: Case, other: Case, similarity: float, threshold: float, bundled: bool,
               lines: _Lines) -> Problem:
    """The warning for a near duplicate; a bundled original is named as one (it cannot be merged)."""
    what = f"bundled case '{other.id}'" if bundled else f"'{other.id}'"
    advice = "make this case distinct from it" if bundled else "merge them or make this case distinct"
    return Problem(case.source, lines(case, "summary"), "summary",
                   f"near duplicate of {what} ({other.source}): similarity {similarity:.2f} >= {threshold:.2f}; "
                   f"{advice}", "warning")


@dataclass(frozen=True)
class Findability:
    """Where search for a case's own title and first sentence puts it, among `of` cases."""

    case_id: str
    rank: int  # 1 = first
    of: int
    ahead: tuple[str, ...]  # the cases ranked first, best first (FINDABLE_TOP of them)


def findability(cases: Sequence[Case], searcher: "Searcher", embedder: "Embedder",
                top: int = FINDABLE_TOP) -> list[Findability]:
    """Each case's rank under hybrid search for its title and first sentence, among every case
    the searcher holds: a number a trainer can act on, not only a pass or a fail."""
    queries = [findability_query(c) for c in cases]
    out: list[Findability] = []
    for case, query, vector in zip(cases, queries, embedder.encode(queries)):
        order = [h.case.id for h in searcher.search(query, vector, k=len(searcher.cases), mode="hybrid")]
        rank = order.index(case.id) + 1 if case.id in order else len(order) + 1
        out.append(Findability(case.id, rank, len(searcher.cases), tuple(order[:top])))
    return out


def _lost(case: Case, found: Findability, top: int, lines: _Lines) -> Problem:
    """The warning for a case search does not bring up, with the rank it did get."""
    return Problem(case.source, lines(case, "title"), "title",
                   f"search for its title and first sentence does not find this case in the top {top} "
                   f"(found: {', '.join(found.ahead)}; it comes {_ordinal(found.rank)} of {found.of}); "
                   f"make the title and opening more specific", "warning")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _resolved(source: str) -> str:
    try:
        return str(Path(source).resolve())
    except OSError:
        return source
