"""The bundled bank is the one the product ships with: its size, range and shape are promises."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from assistant.casebank.model import STAGES

from conftest import BUNDLED, JUDGED


def test_every_file_is_valid(bank) -> None:
    assert [str(p) for p in bank.problems] == []
    assert len(bank.cases) == len(list((BUNDLED / "cases").glob("*.yaml"))) >= 90


def test_cases_per_stage_and_strand(bank) -> None:
    per = Counter((c.strand, c.stage) for c in bank.cases)
    for stage in STAGES:  # issue 11's bank: 12 a stage for desistance, 5 for each safety strand
        assert per[("desistance", stage)] >= 12, (stage, per)
        assert per[("safety", stage)] >= 5 and per[("others-safety", stage)] >= 5, (stage, per)


def test_every_strand_and_stage_a_case_uses_is_in_the_framework(bank) -> None:
    for case in bank.cases:
        stage = bank.framework.stage(case.strand, case.stage)
        assert stage is not None and 5 <= len(stage.expectations) <= 12, case.id


def test_every_theme_is_in_at_least_five_cases(bank) -> None:
    counts = Counter(t for c in bank.cases for t in c.themes)
    assert set(bank.themes) == set(counts), set(bank.themes) - set(counts)
    thin = {t: n for t, n in counts.items() if n < 5}
    assert not thin, thin


def test_the_range_of_children(bank) -> None:
    ages = {c.child.age for c in bank.cases}
    assert min(ages) <= 10 and max(ages) >= 17
    genders = Counter(c.child.gender.lower() for c in bank.cases)
    assert genders["non-binary"] >= 1
    assert sum(n for g, n in genders.items() if g in ("girl", "female")) >= 8
    names = Counter(c.child.name for c in bank.cases)
    assert all(n == 1 for n in names.values()), "each case is a different child"


@pytest.mark.parametrize("field, low, high", [("summary", 250, 600), ("inspector_comments", 80, 250)])
def test_word_ranges(bank, field: str, low: int, high: int) -> None:
    outside = {c.id: len(getattr(c, field).split()) for c in bank.cases
               if not low <= len(getattr(c, field).split()) <= high}
    assert not outside, outside


def test_learning_and_questions(bank) -> None:
    for case in bank.cases:
        assert 2 <= len(case.learning) <= 4, case.id
        assert 2 <= len(case.questions) <= 4, case.id
        assert all(q.rstrip().endswith("?") for q in case.questions), case.id


def test_every_case_is_judged_by_a_query(bank) -> None:
    queries = yaml.safe_load((JUDGED / "qrels.yaml").read_text(encoding="utf-8"))["queries"]
    assert len(queries) >= 60
    judged = {cid for q in queries for cid in q["relevant"]}
    assert {c.id for c in bank.cases} <= judged, {c.id for c in bank.cases} - judged
    assert len({q["text"] for q in queries}) == len(queries), "queries are distinct"
