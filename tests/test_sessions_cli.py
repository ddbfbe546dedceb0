"""`reflect sessions list|show|export|delete` on real stored sessions."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from assistant.cli import cli
from assistant.reflection import Conversation, load_flows
from assistant.store import Store


def make_reflection(data: Path, bank) -> str:
    flows, _ = load_flows()
    with Store(data / "reflect.db") as store:
        conv = Conversation.start(store, next(f for f in flows if f.id == "what-so-what-now-what"), bank.framework,
                                  strand="desistance", stage="review", title="Review with T [bold]")
        for answer in ("We reviewed after the exclusion.\x1b[2J", "It matters for his routine.", "Keep going.",
                       "Speak to college by 2027-01-10", "Peer supervision"):
            conv.answer(answer)
            conv.advance()
        return conv.session.id


def run(data: Path, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(data), "sessions", *args], catch_exceptions=False)


def test_list_show_export_delete(tmp_path: Path, bank) -> None:
    data = tmp_path / "data"
    sid = make_reflection(data, bank)

    listed = json.loads(run(data, "list", "--json").stdout)
    assert [(s["id"], s["kind"], s["status"]) for s in listed] == [(sid, "reflection", "finished")]
    table = run(data, "list")
    assert sid in table.stdout and "Review with T [bold]" in table.stdout

    shown = run(data, "show", sid[:4])
    assert shown.exit_code == 0
    assert "We reviewed after the exclusion." in shown.stdout and "\x1b" not in shown.stdout
    assert "Speak to college" in shown.stdout

    out = tmp_path / "log.html"
    exported = run(data, "export", sid, "--format", "html", "-o", str(out))
    assert exported.exit_code == 0 and out.exists() and (out.stat().st_mode & 0o777) == 0o600
    assert "Review with T [bold]" in out.read_text(encoding="utf-8")
    default = run(data, "export", sid)
    path = Path(default.stdout.strip())
    assert path.parent == data / "logs" and path.suffix == ".md"

    deleted = run(data, "delete", sid, "--yes")
    assert deleted.exit_code == 0
    assert json.loads(run(data, "list", "--json").stdout) == []
    with Store(data / "reflect.db") as store:
        assert store.actions(sid) == [] and store.turns(sid) == []


def test_unknown_session_is_one_line_and_exit_1(tmp_path: Path) -> None:
    for args in (("show", "nope"), ("export", "nope"), ("delete", "nope", "--yes")):
        result = run(tmp_path / "data", *args)
        assert result.exit_code == 1 and "no session 'nope'" in result.stderr
        assert "Traceback" not in result.output


def test_bad_format_is_usage(tmp_path: Path) -> None:
    result = run(tmp_path / "data", "export", "x", "--format", "pdf")
    assert result.exit_code == 2


def seed_search(data: Path) -> dict[str, str]:
    """Three sessions on different days and stages, one with a case reference."""
    ids = {}
    with Store(data / "reflect.db", clock=lambda: "2025-02-03T09:00:00+00:00") as store:
        old = store.create_session("reflection", title="Kestrel after the exclusion", stage="planning",
                                   meta={"case_ref": "YJ-2025-0007"})
        store.add_turn(old.id, "practitioner", "We met at the library.\nHis mum said the trampoline park helped.",
                       step="q:one")
        store.add_action(old.id, "Ring the college about the course")
        ids["old"] = old.id
    with Store(data / "reflect.db", clock=lambda: "2026-10-20T09:00:00+00:00") as store:
        new = store.create_session("group", title="Team review [bold]", stage="review")
        store.add_turn(new.id, "participant", "AB: the park \x1b[2J came up again", kind="contribution", speaker="AB")
        ids["new"] = new.id
    return ids


def wide(data: Path, *args: str):
    """`sessions ARGS` printed on a wide terminal, so that no table cell wraps."""
    return CliRunner().invoke(cli, ["--data-dir", str(data), "sessions", *args], catch_exceptions=False,
                              env={"COLUMNS": "200"})


def test_search_finds_an_old_answer_by_one_word(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ids = seed_search(data)
    result = wide(data, "search", "trampoline")
    assert result.exit_code == 0, result.output
    assert ids["old"] in result.stdout and "2025-02-03" in result.stdout
    assert "His mum said the trampoline park helped." in result.stdout
    assert "We met at the library" not in result.stdout, "the matching line, not the whole answer"
    escaped = wide(data, "search", "park")
    assert "Team review [bold]" in escaped.stdout, "markup in the data is shown as typed"
    assert "\x1b" not in escaped.stdout and "AB: the park \\x1b[2J came up again" in escaped.stdout
    none = run(data, "search", "zeppelin")
    assert none.exit_code == 0 and "No sessions match: zeppelin" in none.stdout


def test_search_json_and_its_filters(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ids = seed_search(data)
    found = json.loads(run(data, "search", "park", "--json").stdout)
    assert [(m["session"], m["where"]) for m in found] == [(ids["new"], "answer"), (ids["old"], "answer")]
    assert found[1] == {"session": ids["old"], "date": "2025-02-03", "kind": "reflection", "stage": "planning",
                        "title": "Kestrel after the exclusion", "case": "YJ-2025-0007", "where": "answer",
                        "line": "His mum said the trampoline park helped."}
    assert found[0]["case"] is None and found[0]["line"] == "AB: the park \x1b[2J came up again"

    def sessions_for(*args: str) -> list[str]:
        result = run(data, "search", *args, "--json")
        assert result.exit_code == 0, result.output
        return [m["session"] for m in json.loads(result.stdout)]

    assert sessions_for("park", "--stage", "planning") == [ids["old"]]
    assert sessions_for("park", "--since", "2026-01-01") == [ids["new"]]
    assert sessions_for("park", "--case", "yj-2025-0007") == [ids["old"]]
    assert sessions_for("park", "--open-actions") == [ids["old"]]
    assert sessions_for("exclusion") == [ids["old"]]  # a title
    assert [m["where"] for m in json.loads(run(data, "search", "college", "--json").stdout)] == ["action"]


def test_search_odd_input_never_errors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    seed_search(data)
    for query in ('"', "'park", "*", "park*", "NEAR", "NEAR(park library)", "🙂", "park 🙂", "%", "_", "-park",
                  "col:umn", "\\", "[bold]", "{{ 7*7 }}", "\x1b[2J"):
        result = run(data, "search", "--json", "--", query)  # `--`: a query may start with '-'
        assert result.exit_code == 0 and "Traceback" not in result.output, (query, result.output)
        assert isinstance(json.loads(result.stdout), list)
        table = run(data, "search", "--", query)
        assert table.exit_code == 0 and "\x1b" not in table.stdout, (query, table.output)


def test_search_bad_usage_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    seed_search(data)
    for args in (("park", "--since", "2026-13-45"), ("park", "--since", "yesterday"), ("  ",), ("park", "--case", "")):
        result = run(data, "search", *args)
        assert result.exit_code == 2, (args, result.output)
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("reflect: "), result.stderr
    assert run(data, "search", "park", "--stage", "nowhere").exit_code == 2
