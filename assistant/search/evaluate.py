"""Retrieval quality against judged queries: nDCG@5, Recall@5 and MRR per search mode.

Judged queries (QRELS) are YAML: `queries: [{text, relevant: {case-id: grade}}]`, grade 2
for highly relevant and 1 for relevant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from assistant.casebank.load import display_path
from assistant.casebank.model import Problem
from assistant.casebank.yamlfile import YamlProblem, read_yaml

CUTOFF = 5


@dataclass(frozen=True)
class Judged:
    text: str
    relevant: dict[str, int]
    kind: str = ""  # the query's class where the file gives one (dilemma, paraphrase, short)


@dataclass(frozen=True)
class Scores:
    mode: str
    ndcg: float
    recall: float
    mrr: float
    queries: int


def load_qrels(path: Path, known_ids: set[str]) -> tuple[list[Judged], list[Problem]]:
    """Judged queries; problems name the file and line (unknown case ids, wrong shapes)."""
    where = display_path(path)
    try:
        doc = read_yaml(path)
    except YamlProblem as exc:
        return [], [Problem(where, exc.line, "", exc.message)]
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("queries"), list):
        return [], [Problem(where, 1, "queries", "expected a mapping with a list 'queries'")]
    judged: list[Judged] = []
    problems: list[Problem] = []
    for i, item in enumerate(data["queries"]):
        field = f"queries[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
            problems.append(Problem(where, doc.line(field), field, "expected 'text' and 'relevant'"))
            continue
        relevant = item.get("relevant")
        if not isinstance(relevant, dict) or not relevant:
            problems.append(Problem(where, doc.line(field), f"{field}.relevant", "expected {case-id: grade}"))
            continue
        grades: dict[str, int] = {}
        for case_id, grade in relevant.items():
            if str(case_id) not in known_ids:
                problems.append(Problem(where, doc.line(f"{field}.relevant"), f"{field}.relevant",
                                        f"unknown case '{case_id}'"))
            elif isinstance(grade, bool) or grade not in (1, 2):
                problems.append(Problem(where, doc.line(f"{field}.relevant"), f"{field}.relevant",
                                        f"grade for '{case_id}' must be 1 or 2"))
            else:
                grades[str(case_id)] = int(grade)
        if grades:
            judged.append(Judged(item["text"].strip(), grades, str(item.get("class") or "")))
    return judged, problems


def ndcg_at(ranked: Sequence[str], relevant: dict[str, int], k: int = CUTOFF) -> float:
    dcg = sum((2 ** relevant.get(cid, 0) - 1) / math.log2(i + 2) for i, cid in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: Sequence[str], relevant: dict[str, int], k: int = CUTOFF) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: dict[str, int]) -> float:
    return next((1.0 / (i + 1) for i, cid in enumerate(ranked) if cid in relevant), 0.0)


def by_class(judged: Sequence[Judged]) -> dict[str, list[Judged]]:
    """The queries grouped by class, in first-seen order, when the file names classes."""
    groups: dict[str, list[Judged]] = {}
    for q in judged:
        if q.kind:
            groups.setdefault(q.kind, []).append(q)
    return groups


def evaluate(judged: Sequence[Judged], rank: Callable[[str, str], list[str]], modes: Sequence[str]) -> list[Scores]:
    """`rank(query, mode)` returns case ids best first (at least CUTOFF of them where possible)."""
    out = []
    for mode in modes:
        ndcg = recall = mrr = 0.0
        for q in judged:
            ranked = rank(q.text, mode)
            ndcg += ndcg_at(ranked, q.relevant)
            recall += recall_at(ranked, q.relevant)
            mrr += reciprocal_rank(ranked, q.relevant)
        n = max(len(judged), 1)
        out.append(Scores(mode, ndcg / n, recall / n, mrr / n, len(judged)))
    return out
