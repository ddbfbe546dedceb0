"""The command line as scripts use it: exit codes, JSON shapes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml


from conftest import BUNDLED, run_reflect


def test_validate_the_bundled_bank(invoke) -> None:
    result = invoke("case", "validate")
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout


def test_validate_a_broken_file_exits_1_with_one_line_per_problem(invoke, tmp_path: Path) -> None:
    bad = tmp_path / "ravi.yaml"
    data = yaml.safe_load((BUNDLED / "cases" / sorted(p.name for p in (BUNDLED / "cases").iterdir())[0]).read_text())
    data["themes"] = ["gangs"]
    data["inspector_coments"] = data.pop("inspector_comments")
    bad.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = invoke("case", "validate", str(bad))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert any("themes[0]: unknown theme 'gangs' (did you mean 'exploitation'?)" in line for line in lines)
    assert any("unknown key 'inspector_coments' (did you mean 'inspector_comments'?)" in line for line in lines)
    assert "Traceback" not in result.output


def test_validate_a_missing_path(invoke, tmp_path: Path) -> None:
    result = invoke("case", "validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_search_json_shape(invoke) -> None:
    result = invoke("search", "a fifteen-year-old girl going missing and being exploited by older men", "--json", "-k", "3")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["query"].startswith("a fifteen-year-old girl")
    assert len(doc["results"]) == 3
    for item in doc["results"]:
        assert {"id", "title", "stage", "themes", "score", "snippet"} <= set(item)
        assert isinstance(item["score"], float) and item["snippet"]
    assert doc["results"][0]["id"] == "leah-planning-missing-exploitation"


def test_search_queries_file_answers_in_order(invoke, tmp_path: Path) -> None:
    queries = tmp_path / "q.txt"
    queries.write_text("boy with autism and the police\n\n   \nrefugee girl in foster care\n", encoding="utf-8")
    result = invoke("search", "--queries", str(queries), "--json", "-k", "2", "--stage", "review")
    assert result.exit_code == 0, result.stderr
    docs = json.loads(result.stdout)
    assert [d["query"] for d in docs] == ["boy with autism and the police", "refugee girl in foster care"]
    assert all(r["stage"] == "review" for d in docs for r in d["results"])


def test_search_table_shows_data_literally(invoke) -> None:
    result = invoke("search", "[bold]knife[/bold] {{ 7*7 }}", "-k", "2")
    assert result.exit_code == 0
    assert "[bold]knife[/bold] {{ 7*7 }}" in result.stdout


@pytest.mark.parametrize("args, code, fragment", [
    (("search",), 2, "give either TEXT or --queries"),
    (("search", "   "), 2, "TEXT is empty"),
    (("search", "x", "--stage", "sentencing"), 2, "Invalid value"),
    (("search", "x", "-k", "0"), 2, "Invalid value"),
    (("search", "x", "--theme", "gangs"), 1, "unknown theme 'gangs' (did you mean 'exploitation'?)"),
    (("search", "--queries", "/nonexistent/q.txt"), 1, "cannot read"),
    (("nonsense",), 2, "No such command"),
])
def test_usage_and_input_errors(invoke, args, code: int, fragment: str) -> None:
    result = invoke(*args)
    assert result.exit_code == code, result.output
    assert fragment in result.stderr
    assert "Traceback" not in result.output


def test_eval_reports_three_modes(invoke, tmp_path: Path) -> None:
    qrels = tmp_path / "q.yaml"
    qrels.write_text("queries:\n  - text: girl exploited by older men who goes missing\n"
                     "    relevant: {leah-planning-missing-exploitation: 2}\n", encoding="utf-8")
    result = invoke("eval", str(qrels), "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc["modes"]) == {"lexical", "dense", "hybrid"}
    assert set(doc["modes"]["hybrid"]) == {"ndcg@5", "recall@5", "mrr"}


def test_eval_with_an_unknown_case_exits_1(invoke, tmp_path: Path) -> None:
    qrels = tmp_path / "q.yaml"
    qrels.write_text("queries:\n  - text: anything\n    relevant: {no-such-case: 2}\n", encoding="utf-8")
    result = invoke("eval", str(qrels))
    assert result.exit_code == 1 and "unknown case 'no-such-case'" in result.stderr


@pytest.mark.slow
def test_another_bank_gets_its_own_index_folder(small_bank: Path) -> None:
    result = run_reflect("--casebank", str(small_bank), "index")
    assert result.returncode == 0, result.stderr
    assert "embedded" in result.stdout and (small_bank / ".index" / "manifest.json").exists()
    again = run_reflect("--casebank", str(small_bank), "index")
    assert "embedded 0 passages" in again.stdout


@pytest.mark.slow
def test_env_var_points_at_another_bank_and_a_broken_file_is_skipped(small_bank: Path, tmp_path: Path) -> None:
    (small_bank / "cases" / "broken.yaml").write_text("id: [oops\n", encoding="utf-8")
    index_dir = tmp_path / "idx"
    result = run_reflect("search", "family", "--json", env={"REFLECT_CASEBANK": str(small_bank),
                                                            "REFLECT_INDEX_DIR": str(index_dir)})
    assert result.returncode == 0, result.stderr
    assert "broken.yaml:2: not valid YAML" in result.stderr and "Traceback" not in result.stderr
    assert len(json.loads(result.stdout)["results"]) == 3
    assert (index_dir / "manifest.json").exists()


@pytest.mark.slow
def test_help_lists_the_commands() -> None:
    result = run_reflect("--help")
    assert result.returncode == 0
    for command in ("search", "index", "case", "eval", "coverage", "sessions", "serve"):
        assert command in result.stdout


@pytest.mark.slow
def test_missing_bank_folder_is_one_line(tmp_path: Path) -> None:
    result = run_reflect("--casebank", str(tmp_path / "nowhere"), "case", "validate")
    assert result.returncode == 1
    assert "case bank folder not found" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_copy_of_bundled_bank_validates(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED, tmp_path / "mine")
    result = run_reflect("--casebank", str(tmp_path / "mine"), "case", "validate")
    assert result.returncode == 0, result.stderr
