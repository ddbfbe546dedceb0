"""`case validate --checks` on a trainer's own bank: the bundled cases are the yardstick too.

A bank of one case has nothing to duplicate and nothing to be lost among, so on its own every
check would pass. These tests write a near-copy of a bundled case into a temporary one-case
bank and check that the copy is reported against the bundled original, and that findability
ranks the copy among the bundled cases as well.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from assistant import trainer
from assistant.casebank import load_bank

from conftest import BUNDLED

ORIGINAL = "alfie-assessment-bereavement"


def _one_case_bank(tmp_path: Path) -> Path:
    """A bank whose only case copies ORIGINAL: same title and opening sentence, child renamed after it."""
    data = yaml.safe_load((BUNDLED / "cases" / f"{ORIGINAL}.yaml").read_text(encoding="utf-8"))
    old = data["child"]["name"]
    first, rest = re.split(r"(?<=[.!?])\s+", data["summary"].strip(), maxsplit=1)
    data["id"] = "morgan-assessment-stones"
    data["child"]["name"] = "Morgan"
    data["summary"] = f"{first} {rest.replace(old, 'Morgan').replace('The case manager', 'The worker')}"
    data["inspector_comments"] = data["inspector_comments"].replace(old, "Morgan")
    folder = tmp_path / "mybank"
    (folder / "cases").mkdir(parents=True)
    (folder / "cases" / f"{data['id']}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def test_a_one_case_bank_is_checked_against_the_bundled_cases(invoke, bank, tmp_path: Path) -> None:
    folder = _one_case_bank(tmp_path)
    result = invoke("--casebank", str(folder), "case", "validate", "--checks")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, result.stderr
    assert "morgan-assessment-stones.yaml:" in warnings[0]
    assert f": summary: near duplicate of bundled case '{ORIGINAL}' (" in warnings[0]
    assert result.stdout.splitlines() == [
        "All 1 case(s) valid. 1 warning(s) above (--strict makes them errors).",
        f"Near duplicates and findability were checked against the {len(bank.cases)} bundled case(s) too."]
    assert not (folder / ".index").exists()  # the checks only read caches, they never write one


def test_findability_ranks_a_one_case_bank_among_the_bundled_cases(bank, embedder, tmp_path: Path) -> None:
    folder = _one_case_bank(tmp_path)
    own = load_bank(folder)
    assert len(own.cases) == 1 and not own.errors, own.problems
    reference = trainer.bundled_reference(folder)
    assert len(reference) == len(bank.cases)
    alone = trainer.model_problems(own.cases, own.cases, tmp_path / "idx", embedder, top=1)
    assert alone == []  # on its own, the one case is trivially first
    problems = trainer.model_problems(own.cases, own.cases, tmp_path / "idx", embedder, reference=reference, top=1)
    lost = [str(p) for p in problems if "does not find this case" in p.message]
    # the bundled original holds the child's name in every paragraph, so it outranks the copy
    assert len(lost) == 1 and f"(found: {ORIGINAL}; it comes 2nd of {len(bank.cases) + 1})" in lost[0], lost


def test_the_bundled_bank_is_not_its_own_reference(tmp_path: Path) -> None:
    assert trainer.bundled_reference(BUNDLED) == []
    assert trainer.bundled_reference(BUNDLED / "cases" / "..") == []
    assert len(trainer.bundled_reference(tmp_path)) > 0


def test_a_bank_that_copies_a_bundled_case_keeps_its_own_version(invoke, bank, tmp_path: Path) -> None:
    """Same id as a bundled case: the bank's version is checked, the bundled one is not added beside it."""
    folder = _one_case_bank(tmp_path)
    source = BUNDLED / "cases" / f"{ORIGINAL}.yaml"
    (folder / "cases" / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    result = invoke("--casebank", str(folder), "case", "validate", "--checks")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2 and not any("bundled case" in w for w in warnings), warnings
    assert any(f"near duplicate of '{ORIGINAL}' ({folder}" in w for w in warnings), warnings
    assert f"against the {len(bank.cases) - 1} bundled case(s) too." in result.stdout
