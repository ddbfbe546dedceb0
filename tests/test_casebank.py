"""Loading and validating case files: every rule of CASE_SCHEMA.md and the shape of its messages."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

from assistant.casebank import load_bank, load_case
from assistant.casebank.load import BUNDLED_CASEBANK, load_framework, load_themes

MESSAGE = re.compile(r"^(?P<path>[^:]+\.yaml):(?P<line>\d+): (?P<field>[\w.\[\]-]+): (?P<msg>.+)$")

GOOD: dict = {
    "id": "sam-review-test",
    "title": "A review that listened",
    "stage": "review",
    "strand": "desistance",
    "themes": ["family", "engagement"],
    "child": {"name": "Sam", "age": 15, "gender": "boy"},
    "disposal": "referral order",
    "offences": ["criminal damage"],
    "summary": " ".join(["Sam met his case manager every week and talked about home."] * 10),
    "inspector_comments": "The review changed the plan when things changed at home.",
    "learning": ["Reviews respond to change."],
    "questions": ["What changed for the child you are thinking of?"],
    "fictional": True,
}


def themes_and_framework():
    problems: list = []
    themes = load_themes(BUNDLED_CASEBANK / "themes.yaml", problems)
    framework = load_framework(BUNDLED_CASEBANK / "framework.yaml", problems)
    assert problems == []
    return themes, framework


def write_case(folder: Path, data: dict | str, stem: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem or (data["id"] if isinstance(data, dict) else "case")
    path = folder / f"{stem}.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems_for(tmp_path: Path, data: dict | str, stem: str | None = None) -> list[str]:
    themes, framework = themes_and_framework()
    case, problems = load_case(write_case(tmp_path, data, stem), themes, framework)
    if problems:
        assert case is None
    return [str(p) for p in problems]


def test_a_good_case_loads(tmp_path: Path) -> None:
    themes, framework = themes_and_framework()
    case, problems = load_case(write_case(tmp_path, GOOD), themes, framework)
    assert problems == []
    assert case is not None and case.id == "sam-review-test" and case.child.age == 15


@pytest.mark.parametrize("change, field, fragment", [
    ({"inspector_coments": "typo"}, "inspector_coments", "did you mean 'inspector_comments'?"),
    ({"stage": "reveiw"}, "stage", "did you mean 'review'?"),
    ({"strand": "safty"}, "strand", "did you mean 'safety'?"),
    ({"themes": ["family", "gangs"]}, "themes[1]", "unknown theme 'gangs' (did you mean 'exploitation'?)"),
    ({"themes": ["famliy"]}, "themes[0]", "did you mean 'family'?"),
    ({"themes": []}, "themes", "at least 1"),
    ({"themes": ["family"] * 9}, "themes", "limit is 8"),
    ({"themes": ["family", "family"]}, "themes", "more than once"),
    ({"themes": "family"}, "themes", "expected a list"),
    ({"id": "Sam Review"}, "id", "lowercase slug"),
    ({"id": "other-id"}, "id", "differs from the file name"),
    ({"title": "x" * 121}, "title", "limit is 120"),
    ({"title": "two\nlines"}, "title", "single line"),
    ({"child": {"name": "Sam", "age": 9}}, "child.age", "outside the youth justice age range"),
    ({"child": {"name": "Sam", "age": "fifteen"}}, "child.age", "expected a whole number"),
    ({"child": {"name": "Sam", "age": True}}, "child.age", "expected a whole number"),
    ({"child": {"name": "Sam Smith", "age": 15}}, "child.name", "first name only"),
    ({"child": {"name": "Sam", "age": 15, "surname": "X"}}, "child.surname", "unknown key"),
    ({"offences": []}, "offences", "at least 1"),
    ({"learning": ["fine", 3]}, "learning[1]", "expected non-empty text"),
    ({"summary": "Too short."}, "summary", "at least 80"),
    ({"summary": 42}, "summary", "expected text"),
    ({"fictional": False}, "fictional", "must be true"),
    ({"fictional": "yes"}, "fictional", "must be true"),
])
def test_each_rule_names_file_line_and_field(tmp_path: Path, change: dict, field: str, fragment: str) -> None:
    messages = problems_for(tmp_path, {**GOOD, **change}, stem="sam-review-test")
    assert messages, "the broken case was accepted"
    matching = [m for m in messages if f": {field}: " in m and fragment in m]
    assert matching, messages
    parsed = MESSAGE.match(matching[0])
    assert parsed, f"not FILE:LINE: field: message: {matching[0]}"
    assert parsed["path"].endswith("sam-review-test.yaml")


def test_line_number_points_at_the_field(tmp_path: Path) -> None:
    text = yaml.safe_dump({**GOOD, "themes": ["family", "gangs"]}, sort_keys=False)
    expected = next(i for i, line in enumerate(text.splitlines(), 1) if line.strip() == "- gangs")
    messages = problems_for(tmp_path, text, stem="sam-review-test")
    assert any(m.split(":")[1] == str(expected) for m in messages), messages


@pytest.mark.parametrize("missing", ["title", "stage", "themes", "child", "summary", "fictional", "questions"])
def test_missing_required_key(tmp_path: Path, missing: str) -> None:
    data = {k: v for k, v in GOOD.items() if k != missing}
    messages = problems_for(tmp_path, data)
    assert any(f"missing required key '{missing}'" in m for m in messages), messages


def test_optional_keys_may_be_left_out(tmp_path: Path) -> None:
    data = {k: v for k, v in GOOD.items() if k != "strand"}
    assert problems_for(tmp_path, data) == []


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    text = yaml.safe_dump(GOOD, sort_keys=False) + "title: Another title\n"
    assert any("appears twice" in m for m in problems_for(tmp_path, text, stem="sam-review-test"))


def test_markup_and_template_syntax_are_plain_text(tmp_path: Path) -> None:
    data = {**GOOD, "title": "[bold]{{ 7*7 }}<script>\\x"}
    themes, framework = themes_and_framework()
    case, problems = load_case(write_case(tmp_path, data), themes, framework)
    assert problems == [] and case is not None
    assert case.title == "[bold]{{ 7*7 }}<script>\\x"


@pytest.mark.parametrize("text, fragment", [
    ("a: [unclosed\n", "not valid YAML"),
    ("base: &a [1, 2]\nmore: *a\n", "anchors and aliases"),
    ("x: " + "[" * 50 + "]" * 50 + "\n", "nested more than"),
    ("- just\n- a list\n", "expected a mapping"),
    ("", "expected a mapping"),
])
def test_unreadable_files_give_one_line(tmp_path: Path, text: str, fragment: str) -> None:
    messages = problems_for(tmp_path, text, stem="broken")
    assert len(messages) >= 1 and fragment in messages[0], messages
    assert "\n" not in messages[0]


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    messages = problems_for(tmp_path, "\n".join(lines) + "\n", stem="bomb")
    assert "anchors and aliases" in messages[0]
    assert time.perf_counter() - started < 30  # a walk of the expanded structure would never end


def test_huge_file_is_refused_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("summary: |\n" + ("  words words words\n" * 70_000), encoding="utf-8")
    messages = problems_for(tmp_path, path.read_text(), stem="huge")
    assert "the limit is 1,000,000 bytes" in messages[0]


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "latin.yaml").write_bytes("title: caf\xe9\n".encode("latin-1"))
    themes, framework = themes_and_framework()
    _, problems = load_case(tmp_path / "latin.yaml", themes, framework)
    assert "not UTF-8" in str(problems[0])


def test_one_broken_file_never_hides_the_others(tmp_path: Path) -> None:
    cases = tmp_path / "bank" / "cases"
    write_case(cases, GOOD)
    write_case(cases, "title: [broken\n", stem="broken-one")
    write_case(cases, {**GOOD, "id": "bad-stage", "stage": "sentencing"})
    bank = load_bank(tmp_path / "bank")
    assert [c.id for c in bank.cases] == ["sam-review-test"]
    broken = {Path(p.path).name for p in bank.errors}
    assert broken == {"broken-one.yaml", "bad-stage.yaml"}


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    cases = tmp_path / "bank" / "cases"
    write_case(cases, GOOD)
    sub = write_case(tmp_path / "other", GOOD)
    from assistant.casebank import validate_paths

    bank = validate_paths([cases / "sam-review-test.yaml", sub], tmp_path / "bank")
    assert any("duplicate id 'sam-review-test'" in str(p) for p in bank.errors)


def test_a_bank_without_framework_or_themes_uses_the_bundled_ones(small_bank: Path) -> None:
    bank = load_bank(small_bank)
    assert bank.errors == []
    assert len(bank.cases) == 3 and "exploitation" in bank.themes
    assert bank.framework.stage("desistance", "planning") is not None


def test_a_broken_themes_file_is_reported(small_bank: Path) -> None:
    (small_bank / "themes.yaml").write_text("themes:\n  - id: Family Stuff\n", encoding="utf-8")
    bank = load_bank(small_bank)
    assert any("themes.yaml" in p.path and "themes[0].id" == p.field for p in bank.errors)
