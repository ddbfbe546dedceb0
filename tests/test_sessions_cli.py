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
