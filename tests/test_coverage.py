"""The coverage check: its data, its trained model, its judgments on held-out answers, `reflect coverage`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.casebank.examples import load_examples
from assistant.reflection.coverage import CoverageModel, sentences
from assistant.reflection.coverage_eval import evaluate, load_judged
from assistant.reflection.coverage_train import examples_folder, load_checker_model

from conftest import BUNDLED, DATA, ROOT

# The second held-out set (two writers' files) judges the shipped method; nothing was chosen on it.
HELDOUT = sorted(DATA.glob("coverage_heldout_2*.yaml"))


def held_out() -> list:
    return [a for path in HELDOUT for a in load_judged(path)]
RETIRED = DATA / "coverage_heldout.yaml"  # the first held-out set: looked at in stop 18, now a choosing set
# Floors chosen from measurement on the held-out set (benchmarks/bench_coverage.py prints the
# table; see the note on issue 9). They sit a little below what was measured, so a change that
# makes the check noisier fails here.
FLOORS = {"precision": 0.78, "recall": 0.75, "vague_share": 0.15}  # measured 0.85, 0.86, 0.05 on coverage_heldout_2 (stop 18)


def test_every_expectation_has_examples_and_the_files_are_clean(bank) -> None:
    examples = load_examples(BUNDLED / "coverage", bank.framework)
    assert examples.problems == []
    for strand in bank.framework.strands:
        for stage in strand.stages:
            have = {c for e in examples.positives(strand.id, stage.id) for c in e.covers}
            assert have == {e.id for e in stage.expectations}, f"{strand.id}/{stage.id}"
    kinds = {e.kind for e in examples.none}
    assert {"vague", "process", "feelings", "mentions", "negations", "wishes"} <= kinds


def test_the_held_out_set_is_apart_from_the_examples(bank) -> None:
    examples = {e.text.lower() for e in load_examples(BUNDLED / "coverage", bank.framework).items}
    judged = held_out()
    assert len(judged) >= 120  # the second set (two files); the first (140) is retired into choosing
    overlap = [a.id for a in judged for s in sentences(a.text) if len(s.split()) > 5 and s.lower() in examples]
    assert overlap == []
    vague = sum(a.kind == "vague" for a in judged) / len(judged)
    decoys = sum(a.kind == "decoy" for a in judged) / len(judged)
    assert vague >= 0.2 and decoys >= 0.15


def test_the_choosing_answers_are_apart_from_the_examples_and_the_held_out_set(bank) -> None:
    """Settings are chosen on these answers, so they must share nothing with what judges them
    (a stock phrase of five words or fewer, such as "Review done and signed off.", may recur)."""
    examples = {e.text.lower() for e in load_examples(BUNDLED / "coverage", bank.framework).items}
    held = {s.lower() for a in held_out() for s in sentences(a.text)}
    tuning = [a for path in [*sorted(DATA.glob("coverage_tuning_*.yaml")), RETIRED] for a in load_judged(path)]
    assert len(tuning) >= 120
    shared = [a.id for a in tuning for s in sentences(a.text)
              if len(s.split()) > 5 and s.lower() in examples | held]
    assert shared == []
    for a in tuning:
        stage = bank.framework.stage(a.strand, a.stage)
        assert stage is not None and a.covers <= {e.id for e in stage.expectations}, a.id
    assert sum(a.kind in ("vague", "decoy") for a in tuning) / len(tuning) >= 0.35


def test_the_committed_model_fits_the_examples(bank, embedder) -> None:
    examples = load_examples(examples_folder(BUNDLED), bank.framework)
    model, why = load_checker_model(ROOT / "embeddings", examples, embedder.id)
    assert model is not None and why == "", why
    assert len(model.stages) == sum(len(s.stages) for s in bank.framework.strands)


def test_a_changed_example_file_makes_the_model_stale(bank, embedder, tmp_path: Path) -> None:
    folder = tmp_path / "coverage"
    shutil.copytree(BUNDLED / "coverage", folder)
    before = load_examples(folder, bank.framework)
    with (folder / "none.yaml").open("a", encoding="utf-8") as fh:
        fh.write("\n# a trainer's note\n")
    after = load_examples(folder, bank.framework)
    assert before.digest != after.digest
    _, why = load_checker_model(ROOT / "embeddings", after, embedder.id)
    assert "changed" in why


def test_a_broken_example_file_is_reported_and_the_rest_load(bank, tmp_path: Path) -> None:
    folder = tmp_path / "coverage"
    shutil.copytree(BUNDLED / "coverage", folder)
    (folder / "extra.yaml").write_text("strand: desistance\nstages:\n  planning:\n    no-such-thing:\n"
                                       "      - \"A sentence.\"\n", encoding="utf-8")
    (folder / "broken.yaml").write_text("strand: [unclosed\n", encoding="utf-8")
    examples = load_examples(folder, bank.framework)
    messages = [str(p) for p in examples.problems]
    assert any("extra.yaml:4" in m and "unknown expectation 'no-such-thing'" in m for m in messages), messages
    assert any("broken.yaml" in m for m in messages)
    assert len(examples.items) == len(load_examples(BUNDLED / "coverage", bank.framework).items)


def test_the_model_round_trips_and_a_damaged_file_is_refused(tmp_path: Path) -> None:
    model = CoverageModel.load(ROOT / "embeddings")
    assert model is not None
    model.save(tmp_path)
    again = CoverageModel.load(tmp_path)
    assert again is not None and again.stages.keys() == model.stages.keys()
    (tmp_path / "coverage.npz").write_bytes(b"not a zip file")
    assert CoverageModel.load(tmp_path) is None


@pytest.mark.parametrize("stage, text", [
    ("planning", "Today in supervision we looked at the intervention plan and went through everything."),
    ("assessment", "I haven't spoken to the school yet and the police checks are still not back."),
    ("review", "I found supervision really helpful and I feel much more confident about the review now."),
    ("implementation", "We talked about family, education, victims and his strengths."),
])
def test_vague_negated_and_listed_answers_tick_nothing(coverage_book, stage: str, text: str) -> None:
    assert coverage_book.checker("desistance", stage).assess(text) == []


def test_held_out_answers_stay_above_the_floors(coverage_book) -> None:
    judged = held_out()
    checkers = {}

    def predict(answer):
        key = (answer.strand, answer.stage)
        if key not in checkers:
            checkers[key] = coverage_book.checker(*key)
        return {e.expectation for e in checkers[key].assess(answer.text)}

    report = evaluate(judged, predict)
    o = report.overall
    print(f"held-out: precision {o.precision:.2f} recall {o.recall:.2f} F1 {o.f1:.2f} "
          f"vague ticking {o.vague_share:.2f}")
    assert o.precision >= FLOORS["precision"]
    assert o.recall >= FLOORS["recall"]
    assert o.vague_share <= FLOORS["vague_share"]


def test_reflect_coverage_json_for_one_text_and_a_file(invoke, tmp_path: Path) -> None:
    text = "I asked Jayden's nan how she understood the offence and wrote her view into the assessment in her words."
    result = invoke("coverage", "--stage", "assessment", "--json", text)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["strand"] == "desistance" and doc["stage"] == "assessment"
    assert "involves-child-and-carers" in doc["covered"]
    assert all(e["sentence"] in text and 0 < e["score"] <= 1 for e in doc["evidence"])
    assert doc["next_probe"] not in doc["covered"]

    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"answers": [
        {"strand": "desistance", "stage": "planning", "text": "Supervision was useful and I feel clearer."},
        {"strand": "safety", "stage": "assessment", "text": text},
    ]}), encoding="utf-8")
    result = invoke("coverage", "--answers", str(answers), "--json")
    assert result.exit_code == 0, result.output
    docs = json.loads(result.stdout)
    assert [d["stage"] for d in docs] == ["planning", "assessment"] and docs[1]["strand"] == "safety"
    assert docs[0]["covered"] == [] and docs[0]["next_probe"] is not None


def test_reflect_coverage_reports_bad_input_in_one_line(invoke, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("answers:\n  - {strand: desistance, stage: planing, text: hello there}\n", encoding="utf-8")
    result = invoke("coverage", "--answers", str(answers))
    assert result.exit_code == 1
    assert "answers[0].stage: unknown stage 'planing'" in result.output
    assert "Traceback" not in result.output
    assert invoke("coverage", "some text").exit_code == 2  # --stage is needed with TEXT
