"""Trainer tools: the case skeleton, importing plain text, and the extra checks of `case validate`.

The import inputs in tests/data/import/ are fictional illustrations written for these tests,
each in a different style of copied web page or document.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from assistant.casebank import importer
from assistant.casebank.load import load_case
from assistant import trainer

from conftest import BUNDLED, DATA, ROOT, run_reflect

IMPORTS = DATA / "import"

# file -> (stage, strand, name, age, gender, disposal, offences, learning items, questions, fields left to fill in)
EXPECTED = {
    "web_noise_assessment.txt": ("assessment", "desistance", "Maisie", 14, "girl", "referral order",
                                 ["criminal damage", "assault by beating"], 2, 2, {"title"}),
    "missing_sections_planning.txt": ("planning", "desistance", "Rowan", None, "", "youth conditional caution",
                                      ["shoplifting from a sports shop"], 0, 2,
                                      {"title", "child.age", "inspector_comments", "learning"}),
    "numbered_review.txt": ("review", "desistance", "Jamal", 15, "boy",
                            "youth rehabilitation order with supervision (12 months)",
                            ["robbery", "possession of a bladed article"], 2, 2, {"title"}),
    "crlf_implementation.txt": ("implementation", "desistance", "Priya", 13, "girl", "referral order",
                                ["arson"], 2, 2, {"title"}),
    "curly_dashes_review_safety.txt": ("review", "safety", "Ellie", 16, "girl", "youth rehabilitation order (9 months)",
                                       ["theft", "handling stolen goods"], 2, 2, set()),
    "wrapped_document.txt": ("assessment", "desistance", "Tomasz", 17, "male", "referral order (6 months)",
                             ["possession of cannabis with intent to supply"], 2, 2, set()),
}


def read(name: str) -> str:
    return (IMPORTS / name).read_bytes().decode("utf-8")


# --- the importer (no model) ------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_importer_reads_each_style(name: str) -> None:
    stage, strand, child, age, gender, disposal, offences, n_learning, n_questions, missing = EXPECTED[name]
    draft = importer.parse(read(name))
    assert (draft.stage, draft.strand, draft.name, draft.age, draft.gender) == (stage, strand, child, age, gender)
    assert (draft.disposal, draft.offences) == (disposal, offences)
    assert len(draft.learning) == n_learning and len(draft.questions) == n_questions
    assert all(q.endswith("?") for q in draft.questions)
    assert {field for field, _ in draft.missing()} == missing
    text = "\n".join([draft.summary, draft.inspector_comments, *draft.learning, *draft.questions])
    for noise in ("Back to top", "Next chapter", "homepage", "training/learning purposes", "\u00a0", "\r", "\u200b"):
        assert noise not in text
    assert draft.left_out == []
    assert all(d.what != "a line that fits no field" for d in draft.dropped)


def test_the_inputs_cover_the_styles_asked_for() -> None:
    assert b"\r\n" in (IMPORTS / "crlf_implementation.txt").read_bytes()
    curly = read("curly_dashes_review_safety.txt")
    assert "\u2019" in curly and "\u2013" in curly and "\u00a0" in curly and "Inspector\u2019s comments:" in curly
    assert sum("We expect" in read(n) for n in EXPECTED) >= 5
    assert {e[0] for e in EXPECTED.values()} == {"assessment", "planning", "implementation", "review"}


def test_table_of_contents_and_introduction_are_not_case_text() -> None:
    draft = importer.parse(read("web_noise_assessment.txt"))
    assert draft.summary.startswith("Maisie is a 14-year-old girl")
    assert draft.heading == "Assessing for desistance"
    assert len(draft.expectations) == 4 and "weigh up" in draft.expectations[2]
    assert draft.further_reading == ["Carers Trust (2021). Supporting young carers in schools."]
    assert "draw on what the school" not in draft.summary + " ".join(draft.questions)


def test_missing_sections_are_reported_never_invented() -> None:
    draft = importer.parse(read("missing_sections_planning.txt"))
    assert draft.inspector_comments == "" and draft.learning == [] and draft.age is None
    text = importer.to_yaml(draft, themes=["family"], topic="family")
    data = yaml.safe_load(text)
    assert data["inspector_comments"].startswith("FILL IN")
    assert data["learning"] == [importer.PLACEHOLDERS["learning"]]
    assert data["child"]["age"].startswith("FILL IN")
    assert data["id"] == "rowan-planning-family"


def test_wrapped_lines_are_joined() -> None:
    draft = importer.parse(read("wrapped_document.txt"))
    assert draft.questions[0] == "How do you find out about a family's money worries without making them feel judged?"
    assert draft.learning[0].endswith("an assessment should say so plainly.")
    assert draft.further_reading[0].endswith("child first practice (2022).")
    assert "\n\n" in draft.summary and "Tomasz is a 17-year-old young man who was sentenced to a referral order" in draft.summary


def test_headings_in_any_spelling() -> None:
    for heading in ("Inspector comments", "Inspectors comments", "Inspector\u2019s comments:", "INSPECTORS' COMMENTS",
                    "Inspector's comments :"):
        assert importer.heading_of(heading) == ("inspector_comments", ""), heading
    for heading in ("Take-aways \u2013 applying the learning", "Take-away learning", "Takeaways", "Take aways:"):
        assert importer.heading_of(heading) == ("questions", ""), heading
    assert importer.heading_of("Case summary: Ali is 12.") == ("summary", "Ali is 12.")
    assert importer.heading_of("The summary of what she said was clear.") is None
    for line in ("\u2022 one", "- one", "* one", "\u2013 one", "1. one", "2) one", "(3) one"):
        assert importer.bullet_text(line) == "one", line


def test_awkward_text_round_trips_through_yaml_and_the_loader(tmp_path: Path) -> None:
    tricky = ["{{ 7*7 }} and {% raw %}", "[not, a, list]", "# not a comment", "key: value", "- not a bullet",
              "'single' and \"double\" quotes", "ends with a backslash \\", "*star &amp !tag %percent @at `tick`",
              "  leading spaces", "trailing colon:", "\u201ccurly\u201d \u2013 dashes \u2014 and \u2019", "yes", "null", "0123"]
    draft = importer.Draft(title="A title: with [brackets] and {{ braces }} # hash", stage="review", name="Ada", age=15,
                           disposal="referral order: 6 months", offences=["theft #1", "'quoted'"],
                           summary=" ".join(["Ada's words."] * 90) + "\n\n" + "\n\n".join(tricky),
                           inspector_comments="Line one: {{ x }}\n\n[two]", learning=tricky, questions=tricky)
    text = importer.to_yaml(draft, themes=["family", "peers"], topic="family")
    path = tmp_path / "ada-review-family.yaml"
    path.write_text(text, encoding="utf-8")
    case, problems = load_case(path, _themes())
    assert case is not None, problems
    assert case.title == draft.title and case.disposal == draft.disposal and case.offences == tuple(draft.offences)
    assert case.summary == draft.summary.strip() and case.inspector_comments == draft.inspector_comments
    assert case.learning == tuple(t.strip() for t in tricky) and case.questions == case.learning
    assert "summary: |-" in text  # long text as a block scalar


def test_a_value_that_no_block_can_hold_falls_back_to_quoting() -> None:
    draft = importer.Draft(summary="trailing space \n\nand a bell \x07", name="Bo", age=12)
    data = yaml.safe_load(importer.to_yaml(draft))
    assert data["summary"] == "trailing space \n\nand a bell \x07"


# --- the fill-in rule and the skeleton ---------------------------------------------------

def _themes():
    from assistant.casebank import load_bank

    return load_bank(BUNDLED).themes


def test_fill_in_rule_in_any_field(tmp_path: Path) -> None:
    source = sorted((BUNDLED / "cases").glob("*.yaml"))[0]
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["disposal"] = "FILL IN: the court outcome"
    data["questions"] = ["A real question?", "FILL IN: another question"]
    data["child"]["age"] = "FILL IN: 10-18"
    path = tmp_path / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    case, problems = load_case(path, _themes())
    assert case is None
    assert sorted(f"{p.field}: {p.message}" for p in problems) == [
        "child.age: fill in 10-18", "disposal: fill in the court outcome", "questions[1]: fill in another question"]


def test_skeleton_renders_and_fails_validation_with_fill_in_messages(invoke, tmp_path: Path) -> None:
    result = invoke("case", "new", "--stage", "planning")
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    assert data["stage"] == "planning" and data["id"] == "fill-in-name-planning-topic" and data["fictional"] is True
    assert "# " in result.stdout and "What good practice shows at this stage" in result.stdout
    out = tmp_path / "new-case.yaml"
    result = invoke("case", "new", "--stage", "review", "--strand", "safety", "-o", str(out))
    assert result.exit_code == 0 and out.exists()
    result = invoke("case", "validate", str(out))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()[:-1]
    assert len(lines) >= 10 and all(": fill in " in line for line in lines), lines
    assert any(line.endswith("rename the file to match: ID.yaml") for line in lines)


def test_new_refuses_to_overwrite(invoke, tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    out.write_text("precious work\n", encoding="utf-8")
    result = invoke("case", "new", "--stage", "assessment", "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"reflect: {out}: already exists; choose another name, or move the old file away first"]
    assert out.read_text(encoding="utf-8") == "precious work\n"


def test_new_needs_a_stage(invoke) -> None:
    assert invoke("case", "new").exit_code == 2
    assert invoke("case", "new", "--stage", "sentencing").exit_code == 2


# --- importing with themes (the real model) ------------------------------------------------

@pytest.fixture(scope="module")
def suggester(bank, embedder):
    return trainer.ThemeSuggester(bank.themes, embedder)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_imported_yaml_loads_and_fails_only_with_fill_in(name: str, bank, suggester, tmp_path: Path) -> None:
    result = trainer.import_text(read(name), bank.themes, suggester=suggester)
    assert 2 <= len(result.themes) <= 5
    assert "# themes inferred by similarity: please review" in result.yaml_text
    assert "confirm every name in this case is made up" in result.yaml_text
    path = tmp_path / f"{result.case_id}.yaml"
    path.write_text(result.yaml_text, encoding="utf-8")
    case, problems = load_case(path, bank.themes, bank.framework)
    errors = [p for p in problems if p.severity == "error"]
    assert all(p.message.startswith("fill in") for p in errors), errors
    assert {p.field.removesuffix("[0]") for p in errors} == EXPECTED[name][-1]
    assert (case is None) == bool(errors)
    for field in EXPECTED[name][-1]:
        assert any(m.endswith(f"fill in {field}") for m in result.messages), (field, result.messages)


def test_awkward_characters_survive_a_real_import(bank, suggester, tmp_path: Path) -> None:
    result = trainer.import_text(read("curly_dashes_review_safety.txt"), bank.themes, suggester=suggester)
    path = tmp_path / f"{result.case_id}.yaml"
    path.write_text(result.yaml_text, encoding="utf-8")
    case, problems = load_case(path, bank.themes, bank.framework)
    assert case is not None, problems
    assert "\u201cmy {{boss}}\u201d" in case.summary and "[sometimes two a week]" in case.summary
    assert "#safe to mark days when nothing happened: \u2018quiet days\u2019" in case.summary
    assert "\u200b" not in case.summary and "\u00a0" not in case.summary
    assert case.title == "Keeping the child safe \u2014 reviewing a safety plan"
    assert "safety" in case.themes


def test_theme_inference_quality_on_the_bundled_bank(bank, case_search, suggester) -> None:
    """Precision and recall of suggested themes against each bundled case's labels."""
    rows = trainer.authoring._split_rows(case_search.index)
    by_id = {c.id: c for c in bank.cases}
    tp = fp = fn = 0
    for case_id, vectors in zip(case_search.index.case_ids, rows):
        chosen = {s.id for s in suggester.suggest(vectors)}
        labels = set(by_id[case_id].themes)
        tp, fp, fn = tp + len(chosen & labels), fp + len(chosen - labels), fn + len(labels - chosen)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"theme inference on {len(rows)} cases: precision {precision:.2f}, recall {recall:.2f}")
    assert precision >= 0.55 and recall >= 0.45


def test_import_cli_prints_what_it_could_not_find(invoke, tmp_path: Path) -> None:
    result = invoke("case", "import", str(IMPORTS / "missing_sections_planning.txt"), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "reflect: could not find the child's age in the summary: fill in child.age" in result.stderr.splitlines()
    written = list(tmp_path.glob("rowan-planning-*.yaml"))
    assert len(written) == 1 and "4 thing(s) to fill in" in result.stdout
    again = invoke("case", "import", str(IMPORTS / "missing_sections_planning.txt"), "-o", str(written[0]))
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_import_cli_refuses_text_with_no_case(invoke, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Back to top\nContents\nJust a menu\n", encoding="utf-8")
    result = invoke("case", "import", str(page))
    assert result.exit_code == 1 and "found no case sections" in result.stderr
    assert invoke("case", "import", str(tmp_path / "missing.txt")).exit_code == 1


# --- the extra checks ---------------------------------------------------------------------

def _copy_case(tmp_path: Path, source: Path, new_id: str, edit) -> Path:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["id"] = new_id
    edit(data)
    path = tmp_path / f"{new_id}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _light_edit(data: dict) -> None:
    old = data["child"]["name"]
    for key in ("title", "summary", "inspector_comments"):
        data[key] = data[key].replace(old, "Morgan").replace(" very ", " ").replace("The case manager", "The worker")
    data["child"]["name"] = "Morgan"
    data["questions"] = data["questions"][:-1] or data["questions"]


def test_identifiers_are_warnings_unless_strict(invoke, tmp_path: Path) -> None:
    source = BUNDLED / "cases" / "alfie-assessment-bereavement.yaml"
    path = _copy_case(tmp_path, source, "alfie-assessment-bereavement",
                      lambda d: d.update(summary=d["summary"] + "\n\nHe lived at 4 Mill Lane, LS6 2QT, phone 07700 900123."))
    plain = invoke("case", "validate", str(path))
    assert plain.exit_code == 0, plain.output
    warning = [line for line in plain.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warning) == 1 and f"{path.name}:" in warning[0] and ": summary: looks like a real identifier" in warning[0]
    assert "postcode 'LS6 2QT'" in warning[0] and "1 warning(s)" in plain.stdout


def test_plain_validate_of_the_bundled_bank_has_no_warnings(invoke) -> None:
    result = invoke("case", "validate")
    assert result.exit_code == 0 and result.stderr == "" and result.stdout.startswith("All ")


def test_near_duplicate_and_findability(bank, embedder, tmp_path: Path) -> None:
    from assistant.casebank import validate_paths

    source = BUNDLED / "cases" / "alfie-assessment-bereavement.yaml"
    copy = _copy_case(tmp_path, source, "morgan-assessment-bereavement", _light_edit)
    vague = _copy_case(tmp_path, BUNDLED / "cases" / "dylan-review-attendance-only.yaml", "sam-review-vague",
                       lambda d: d.update(title="A girl groomed into county lines drug running by older men",
                                          summary="She went missing from her foster placement and was found in "
                                                  "another county with drugs. " + d["summary"].replace("Dylan", "Sam")))
    # three other cases open with the same words: a case whose own text is elsewhere gets lost among them
    rivals = [_copy_case(tmp_path, BUNDLED / "cases" / f"{cid}.yaml", f"rival-{i}",
                         lambda d: d.update(title="A girl groomed into county lines drug running by older men",
                                            summary="She went missing from her foster placement and was found in "
                                                    "another county with drugs. " + d["summary"]))
              for i, cid in enumerate(["leah-planning-missing-exploitation", "kieran-review-iss-county-lines",
                                       "shannon-assessment-exploitation-foster-care"])]
    others = list(bank.cases) + validate_paths(rivals, BUNDLED).cases
    checked = validate_paths([copy, vague], BUNDLED)
    assert len(checked.cases) == 2 and len(others) == len(bank.cases) + 3, checked.problems
    problems = trainer.model_problems(checked.cases, others, ROOT / "embeddings", embedder)
    near = [p for p in problems if "near duplicate" in p.message and "morgan" in p.path]
    assert len(near) == 1
    assert "near duplicate of 'alfie-assessment-bereavement'" in near[0].message and near[0].severity == "warning"
    lost = [p for p in problems if "does not find this case" in p.message]
    assert [p.path.endswith("sam-review-vague.yaml") for p in lost] == [True] and lost[0].field == "title"
    # the imported cases are new to the bank: neither near duplicates nor lost
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    result = trainer.import_text(read("numbered_review.txt"), bank.themes, embedder)
    text = result.yaml_text.replace(importer.PLACEHOLDERS["title"], "Reviewing a plan when the family had to move")
    (fresh / f"{result.case_id}.yaml").write_text(text, encoding="utf-8")
    checked = validate_paths([fresh], BUNDLED)
    assert len(checked.cases) == 1, checked.problems
    assert trainer.model_problems(checked.cases, bank.cases, ROOT / "embeddings", embedder) == []


def test_the_bundled_bank_passes_both_model_checks(bank, case_search) -> None:
    neighbours = trainer.nearest_neighbours(case_search.index)
    sims = np.array([n.similarity for n in neighbours])
    print(f"nearest-neighbour similarity: min {sims.min():.3f} median {np.median(sims):.3f} max {sims.max():.3f}")
    assert sims.max() < trainer.NEAR_DUPLICATE - 0.05
    problems = trainer.model_problems(bank.cases, bank.cases, ROOT / "embeddings", case_search.embedder)
    assert problems == [], [str(p) for p in problems]


@pytest.mark.slow
def test_strict_runs_the_model_checks_and_exits_1(tmp_path: Path) -> None:
    source = BUNDLED / "cases" / "alfie-assessment-bereavement.yaml"
    copy = _copy_case(tmp_path, source, "morgan-assessment-bereavement", _light_edit)
    plain = run_reflect("case", "validate", str(copy))
    assert plain.returncode == 0 and plain.stderr == "", plain.stderr
    strict = run_reflect("case", "validate", "--strict", str(copy))
    assert strict.returncode == 1, strict.stdout + strict.stderr
    lines = strict.stderr.strip().splitlines()
    assert any(": summary: near duplicate of 'alfie-assessment-bereavement'" in line and not line.startswith("warning")
               for line in lines)
    assert lines[-1].startswith("reflect: 1 problem(s) in 1 file(s)")
    assert "--checks" in run_reflect("case", "validate", "--help").stdout


# --- a trainer's own bank: index, then search finds the imported case ------------------------

@pytest.mark.slow
def test_own_bank_indexes_and_finds_an_imported_case(bank, suggester, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    shutil.copytree(BUNDLED, mine)
    shutil.copytree(ROOT / "embeddings", mine / ".index")  # so only the new case is embedded
    result = trainer.import_text(read("crlf_implementation.txt"), bank.themes, suggester=suggester)
    text = result.yaml_text.replace(importer.PLACEHOLDERS["title"], "Delivering fire safety work around an autistic girl's routine")
    (mine / "cases" / f"{result.case_id}.yaml").write_text(text, encoding="utf-8")
    assert run_reflect("--casebank", str(mine), "case", "validate").returncode == 0
    indexed = run_reflect("--casebank", str(mine), "index")
    assert indexed.returncode == 0, indexed.stderr
    assert f"Indexed {len(bank.cases) + 1} cases" in indexed.stdout and "embedded" in indexed.stdout
    found = run_reflect("--casebank", str(mine), "search", "-k", "3", "--json",
                        "a young autistic girl who set a fire; sessions moved to a quiet room at school")
    assert found.returncode == 0, found.stderr
    assert result.case_id in found.stdout.split('"results"')[1].split('"id": ')[1]
