"""Identifier warnings on the examples written apart for issue 13: near misses and family dates."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant import privacy
from assistant.privacy import find_identifiers

MORE = yaml.safe_load((Path(__file__).parent / "data" / "privacy_examples_more.yaml").read_text("utf-8"))
FIRST = yaml.safe_load((Path(__file__).parent / "data" / "privacy_examples.yaml").read_text("utf-8"))


@pytest.fixture(autouse=True)
def _pin_year(monkeypatch):
    monkeypatch.setattr(privacy, "_REFERENCE_YEAR", 2026)


def test_there_are_at_least_forty_of_each() -> None:
    assert len(MORE["positives"]) >= 40 and len(MORE["negatives"]) >= 40


@pytest.mark.parametrize("example", MORE["positives"], ids=lambda e: e["text"][:50])
def test_more_positive(example) -> None:
    findings = find_identifiers(example["text"])
    assert {f.kind for f in findings} == set(example["kinds"]), findings
    for span in example.get("spans", []):
        assert span in [f.text for f in findings]


@pytest.mark.parametrize("example", MORE["negatives"], ids=lambda e: e["text"][:50])
def test_more_negative(example) -> None:
    assert find_identifiers(example["text"]) == []


@pytest.mark.parametrize("text, kind, confidence", [
    ("NHS 943 476 5918", "nhs-number", "low"),          # wrong check digit: still warned
    ("NHS 943 476 5919", "nhs-number", "high"),
    ("he has moved to LS6 with his mum", "postcode", "low"),  # a district alone
    ("he lives at LS6 2QT", "postcode", "high"),
    ("ring 07700.900.456 after school", "phone", "high"),
])
def test_the_issue_examples(text: str, kind: str, confidence: str) -> None:
    (finding,) = find_identifiers(text)
    assert (finding.kind, finding.confidence) == (kind, confidence)


def test_an_event_date_is_not_a_date_of_birth_but_a_bare_one_still_is() -> None:
    assert find_identifiers("his dad went to prison on 12 May 2016") == []
    assert [f.kind for f in find_identifiers("I copied 12 May 2016 into the chronology")] == ["date-of-birth"]
    assert [f.kind for f in find_identifiers("his dad went to prison; he was born on 12 May 2016")] == [
        "date-of-birth"]


def test_recall_and_false_alarms_over_both_files() -> None:
    positives = FIRST["positives"] + MORE["positives"]
    negatives = FIRST["negatives"] + MORE["negatives"]
    hits = sum(set(e["kinds"]) <= {f.kind for f in find_identifiers(e["text"])} for e in positives)
    alarms = sum(bool(find_identifiers(e["text"])) for e in negatives)
    print(f"\nprivacy (both files) recall={hits / len(positives):.3f} ({hits}/{len(positives)}) "
          f"false alarms={alarms}/{len(negatives)}")
    assert hits / len(positives) >= 0.97
    assert alarms == 0
